{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "ivr-promoter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name, prefixed unless it already contains the chart name. */}}
{{- define "ivr-promoter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "ivr-promoter.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ivr-promoter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ivr-promoter
{{- end }}

{{/* Labels every operator pod carries (the metrics Service selects on these). */}}
{{- define "ivr-promoter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ivr-promoter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ivr-promoter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ivr-promoter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ivr-promoter.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
The operator instances, as a YAML list: the main one, plus one per shard. Each has a name suffix
(empty for the main one), the label selector it watches and its Lease. With shards, the main
instance takes the objects without the shard label, as Flux's sharding does.
*/}}
{{- define "ivr-promoter.instances" -}}
{{- $fullname := include "ivr-promoter.fullname" . }}
{{- $key := .Values.sharding.key }}
{{- $base := .Values.watch.labelSelector }}
{{- $lease := default (printf "%s-leader-election" $fullname) .Values.leaderElection.leaseName }}
{{- $main := "" }}
{{- if .Values.sharding.shards }}
{{- $main = printf "!%s" $key }}
{{- end }}
- suffix: ""
  shard: main
  selector: {{ join "," (compact (list $base $main)) | quote }}
  lease: {{ $lease | quote }}
{{- range .Values.sharding.shards }}
- suffix: {{ printf "-%s" . | quote }}
  shard: {{ . | quote }}
  selector: {{ join "," (compact (list $base (printf "%s=%s" $key .))) | quote }}
  lease: {{ printf "%s-%s" $lease . | quote }}
{{- end }}
{{- end }}
