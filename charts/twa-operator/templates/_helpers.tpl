{{/* Name of the chart, overridable. */}}
{{- define "twa-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, or the release name when it already contains the chart name. */}}
{{- define "twa-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "twa-operator.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "twa-operator.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "twa-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "twa-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "twa-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "twa-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "twa-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "twa-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "twa-operator.redisName" -}}
{{- printf "%s-redis" (include "twa-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "twa-operator.redisSecretName" -}}
{{- default (include "twa-operator.redisName" .) .Values.redis.existingSecret }}
{{- end }}

{{/*
RBAC of OPERATOR.md section 5: the operator's rights on TwaJobs and their children, in every watched
namespace. Literal YAML (a test compares it verb by verb with the design); nothing else may be added.
*/}}
{{- define "twa-operator.rules" -}}
- apiGroups: ["twa.dev"]
  resources: ["twajobs"]
  verbs: ["get", "list", "watch", "update", "patch", "delete"]
- apiGroups: ["twa.dev"]
  resources: ["twajobs/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["twa.dev"]
  resources: ["twajobs/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["services", "configmaps"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
- apiGroups: ["", "events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/* PodGroups for gang scheduling (rbac.gangScheduling). */}}
{{- define "twa-operator.gangRules" -}}
- apiGroups: ["scheduling.x-k8s.io", "scheduling.volcano.sh"]
  resources: ["podgroups"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
{{- end }}

{{/* Leader election: a Lease in the operator's own namespace. */}}
{{- define "twa-operator.leaseRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
{{- end }}
