{{/* Names and labels shared by every template. */}}

{{- define "waba-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "waba-operator.fullname" -}}
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

{{- define "waba-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "waba-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "waba-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "waba-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: waba
{{- end }}

{{- define "waba-operator.serviceAccountName" -}}
{{- default (include "waba-operator.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{/* The Lease the replicas elect a leader on. */}}
{{- define "waba-operator.leaseName" -}}
{{- include "waba-operator.fullname" . }}
{{- end }}

{{- define "waba-operator.webhookServiceName" -}}
{{- printf "%s-webhook" (include "waba-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "waba-operator.webhookSecretName" -}}
{{- printf "%s-webhook-tls" (include "waba-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "waba-operator.image" -}}
{{- printf "%s:%s" .image.repository (default .appVersion .image.tag) }}
{{- end }}

{{/* Where the operator's files are mounted in its pods. */}}
{{- define "waba-operator.configDir" -}}/etc/waba-operator{{- end }}
{{- define "waba-operator.tlsDir" -}}/etc/waba-operator/tls{{- end }}

{{/*
The operator's configuration file (operator/config/config.ts), from .Values.config. Rendered once
here so the ConfigMap and the pods' checksum annotation agree.
*/}}
{{- define "waba-operator.config" -}}
{{- $c := .Values.config -}}
{{- $config := dict
  "images" (dict
    "runtime" (include "waba-operator.image" (dict "image" $c.images.runtime "appVersion" .Chart.AppVersion))
    "postgres" (include "waba-operator.image" (dict "image" $c.images.postgres "appVersion" .Chart.AppVersion)))
  "gatewayUrl" $c.gatewayUrl
  "messagesPerShard" $c.messagesPerShard
  "runtimeLogLevel" $c.runtimeLogLevel
  "regions" $c.regions
  "tiers" $c.tiers -}}
{{- with .Values.operator.watchNamespace }}
{{- $_ := set $config "watchNamespace" . }}
{{- end }}
{{- if .Values.admissionWebhook.enabled }}
{{- $server := dict
  "port" (int .Values.admissionWebhook.port)
  "certFile" (printf "%s/tls.crt" (include "waba-operator.tlsDir" .))
  "keyFile" (printf "%s/tls.key" (include "waba-operator.tlsDir" .)) }}
{{- /* A development URL on a loopback address: the operator next to the API server listens there only. */}}
{{- with .Values.admissionWebhook.url }}
{{- $host := (urlParse .).hostname }}
{{- if regexMatch "^127\\.|^::1$" $host }}
{{- $_ := set $server "bindAddress" $host }}
{{- end }}
{{- end }}
{{- $_ := set $config "webhookServer" $server }}
{{- end }}
{{- toYaml $config }}
{{- end }}
