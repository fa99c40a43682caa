using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

public sealed class StoreUriTests
{
    [Fact]
    public void Parse_PlainRedis_DefaultsPortAndDatabase()
    {
        var r = StoreUri.Parse("redis://redis.default.svc").Redis!;
        Assert.Equal(["redis.default.svc:6379"], r.Endpoints);
        Assert.Equal(0, r.Database);
        Assert.False(r.Tls);
        Assert.Null(r.Password);
    }

    [Fact]
    public void Parse_PasswordPortAndDb_AllRead()
    {
        var r = StoreUri.Parse("redis://:s%40cret@10.1.2.3:6380/4").Redis!;
        Assert.Equal(["10.1.2.3:6380"], r.Endpoints);
        Assert.Equal("s@cret", r.Password);
        Assert.Null(r.User);
        Assert.Equal(4, r.Database);
    }

    [Fact]
    public void Parse_RedissWithUserAndSeveralHosts_TlsAndAllEndpoints()
    {
        var r = StoreUri.Parse("rediss://twa:pw@a:7000,b,[::1]:7002/2").Redis!;
        Assert.True(r.Tls);
        Assert.Equal("twa", r.User);
        Assert.Equal("pw", r.Password);
        Assert.Equal(["a:7000", "b:6379", "[::1]:7002"], r.Endpoints);
        Assert.Equal(2, r.Database);
    }

    [Fact]
    public void Parse_PathWithoutScheme_IsLocalDirectory()
    {
        var location = StoreUri.Parse("runs/x/snapshots");
        Assert.False(location.IsRedis);
        Assert.Equal(Path.GetFullPath("runs/x/snapshots"), location.Directory);
    }

    [Theory]
    [InlineData("s3://bucket/x", "unsupported scheme")]
    [InlineData("redis://host:99999/0", "port '99999'")]
    [InlineData("redis://host:6379/x", "database 'x'")]
    [InlineData("redis://host:6379/16", "database '16'")]
    [InlineData("redis:///0", "host is missing")]
    [InlineData("redis://pw@host", "credentials")]
    [InlineData("", "empty")]
    public void Parse_Invalid_ThrowsNamingThePart(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => StoreUri.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidWithPassword_MessageHidesThePassword()
    {
        var e = Assert.Throws<FormatException>(() => StoreUri.Parse("redis://:hunter2@host:0/0"));
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
        Assert.Contains(":***@", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_RedisLocation_OmitsPassword()
    {
        var text = StoreUri.Parse("rediss://:hunter2@h:1/3").ToString();
        Assert.Equal("rediss://h:1/3", text);
    }

    [Fact]
    public void JobKeyPrefix_Value_FollowsTheLayout()
    {
        var p = new JobKeyPrefix("team-a", "mnist", "0f8fad5b-d9cb-469f-a165-70867728950e");
        Assert.Equal("twa:team-a:mnist:0f8fad5b-d9cb-469f-a165-70867728950e:", p.Value);
        Assert.Equal(p, JobKeyPrefix.Parse(p.Value));
        Assert.Equal("local", JobKeyPrefix.ForLocalRun("j").Namespace);
        Assert.NotEqual(JobKeyPrefix.ForLocalRun("j").Uid, JobKeyPrefix.ForLocalRun("j").Uid);
    }

    [Theory]
    [InlineData("twa:a:b:")]
    [InlineData("twa:a:b:c")]
    [InlineData("x:a:b:c:")]
    [InlineData("twa:a*:b:c:")]
    public void JobKeyPrefix_ParseInvalid_Throws(string text) =>
        Assert.Throws<FormatException>(() => JobKeyPrefix.Parse(text));
}
