{{/* Chart name, truncated to what a label value allows. */}}
{{- define "shop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object name: the release name, or <release>-shop. */}}
{{- define "shop.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "shop.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. Call with (dict "root" $ "component" "order"); component is optional. */}}
{{- define "shop.labels" -}}
helm.sh/chart: {{ include "shop.chart" .root }}
{{ include "shop.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: shop
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "shop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shop.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{- define "shop.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "shop.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Deep-merges .src into .dst in place. Unlike sprig's merge/mergeOverwrite, a
false, 0 or null in .src wins over .dst: `apps.x.autoscaling.enabled: false`
must turn autoscaling off. Lists are replaced, not appended.
*/}}
{{- define "shop.deepMerge" -}}
{{- $dst := .dst -}}
{{- range $key, $value := .src -}}
{{- if and (kindIs "map" $value) (kindIs "map" (get $dst $key)) -}}
{{- include "shop.deepMerge" (dict "dst" (get $dst $key) "src" $value) -}}
{{- else -}}
{{- $_ := set $dst $key $value -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The apps, sorted. */}}
{{- define "shop.appNames" -}}
{{- keys .Values.apps | sortAlpha | toJson -}}
{{- end -}}

{{/*
The apps that own a database (their service definition has a schema): they
get database credentials and a container in the migration Job.
*/}}
{{- define "shop.databaseApps" -}}
{{- list "cart" "notification" "order" "product" "user" | toJson -}}
{{- end -}}

{{/* Image of one app. Call with (dict "root" $ "name" "order" "app" $app). */}}
{{- define "shop.image" -}}
{{- $image := .root.Values.image -}}
{{- $repository := default $image.repository .app.image.repository -}}
{{- $tag := default (default .root.Chart.AppVersion $image.tag) .app.image.tag -}}
{{- if $image.registry -}}
{{- printf "%s/%s/%s:%s" $image.registry $repository .name $tag -}}
{{- else -}}
{{- printf "%s/%s:%s" $repository .name $tag -}}
{{- end -}}
{{- end -}}

{{- define "shop.databaseSecretName" -}}
{{- default (printf "%s-database" (include "shop.fullname" .)) .Values.database.auth.existingSecret -}}
{{- end -}}

{{- define "shop.rabbitmqSecretName" -}}
{{- default (printf "%s-rabbitmq" (include "shop.fullname" .)) .Values.rabbitmq.auth.existingSecret -}}
{{- end -}}

{{- define "shop.rabbitmqUrlKey" -}}
{{- if .Values.rabbitmq.auth.existingSecret -}}{{ .Values.rabbitmq.auth.urlKey }}{{- else -}}url{{- end -}}
{{- end -}}

{{- define "shop.rabbitmqUrl" -}}
{{- $r := .Values.rabbitmq -}}
{{- printf "%s://%s:%s@%s:%d/%s" (ternary "amqps" "amqp" $r.tls) ($r.auth.username | urlquery) ($r.auth.password | urlquery) $r.host (int $r.port) ($r.vhost | urlquery) -}}
{{- end -}}

{{- define "shop.serviceSecretsName" -}}
{{- default (printf "%s-service-secrets" (include "shop.fullname" .)) .Values.auth.serviceSecrets.existingSecret -}}
{{- end -}}

{{- define "shop.adminSecretName" -}}
{{- default (printf "%s-admin" (include "shop.fullname" .)) .Values.auth.admin.existingSecret -}}
{{- end -}}

{{- define "shop.hasAdmin" -}}
{{- if or .Values.auth.admin.existingSecret (and .Values.auth.admin.email .Values.auth.admin.password) -}}true{{- end -}}
{{- end -}}

{{- define "shop.rateLimitRedisSecretName" -}}
{{- default (printf "%s-rate-limit-redis" (include "shop.fullname" .)) .Values.gateway.rateLimitRedis.existingSecret -}}
{{- end -}}

{{- define "shop.hasRateLimitRedis" -}}
{{- if or .Values.gateway.rateLimitRedis.existingSecret .Values.gateway.rateLimitRedis.url -}}true{{- end -}}
{{- end -}}

{{- define "shop.smtpSecretName" -}}
{{- default (printf "%s-smtp" (include "shop.fullname" .)) .Values.notification.smtp.existingSecret -}}
{{- end -}}

{{- define "shop.hasSmtp" -}}
{{- if or .Values.notification.smtp.existingSecret .Values.notification.smtp.url -}}true{{- end -}}
{{- end -}}

{{/*
The environment every app shares (data of the env ConfigMap). Only names the
apps read (docker/env-vars.json); no credentials.
*/}}
{{- define "shop.envData" -}}
SHOP_TRANSPORT: broker
SHOP_NAMESPACE: {{ .Values.config.namespace | quote }}
KAFKA_BROKERS: {{ join "," .Values.kafka.brokers | quote }}
RPC_TIMEOUT_MS: {{ .Values.config.rpcTimeoutMs | int | quote }}
RPC_PREFETCH: {{ .Values.config.rpcPrefetch | int | quote }}
EVENT_MAX_ATTEMPTS: {{ .Values.config.eventMaxAttempts | int | quote }}
EVENT_RETRY_DELAY_MS: {{ .Values.config.eventRetryDelayMs | int | quote }}
JOB_MAX_ATTEMPTS: {{ .Values.config.jobMaxAttempts | int | quote }}
JOB_RETRY_DELAY_MS: {{ .Values.config.jobRetryDelayMs | int | quote }}
JOB_PREFETCH: {{ .Values.config.jobPrefetch | int | quote }}
OUTBOX_POLL_MS: {{ .Values.config.outboxPollMs | int | quote }}
DB_DRIVER: mysql
DB_HOST: {{ .Values.database.host | quote }}
DB_PORT: {{ .Values.database.port | int | quote }}
DB_NAME_PREFIX: {{ .Values.database.namePrefix | quote }}
DB_POOL_SIZE: {{ .Values.database.poolSize | int | quote }}
DB_LOGGING: {{ .Values.database.logging | toString | quote }}
DB_MIGRATE_ON_BOOT: {{ ternary "false" "true" .Values.migrations.enabled | quote }}
HTTP_HOST: "0.0.0.0"
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
LOG_FORMAT: {{ .Values.config.logFormat | quote }}
SEED_DEMO_PRODUCTS: {{ .Values.config.seedDemoProducts | int | quote }}
AUTH_ISSUER: {{ .Values.auth.issuer | quote }}
AUTH_AUDIENCE: {{ .Values.auth.audience | quote }}
AUTH_ACCESS_TTL_SECONDS: {{ .Values.auth.accessTtlSeconds | int | quote }}
AUTH_REFRESH_TTL_SECONDS: {{ .Values.auth.refreshTtlSeconds | int | quote }}
AUTH_SERVICE_TOKEN_TTL_SECONDS: {{ .Values.auth.serviceTokenTtlSeconds | int | quote }}
AUTH_CLOCK_TOLERANCE_SECONDS: {{ .Values.auth.clockToleranceSeconds | int | quote }}
{{- end -}}

{{/*
Environment entries of one app that come from Secrets, plus the app-specific
ones. Call with (dict "root" $ "name" "order" "database" true|false).
*/}}
{{- define "shop.appEnv" -}}
{{- $root := .root -}}
{{- if .database }}
- name: DB_USER
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.databaseSecretName" $root }}
      key: {{ $root.Values.database.auth.usernameKey }}
- name: DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.databaseSecretName" $root }}
      key: {{ $root.Values.database.auth.passwordKey }}
{{- end }}
- name: RABBITMQ_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.rabbitmqSecretName" $root }}
      key: {{ include "shop.rabbitmqUrlKey" $root }}
- name: SERVICE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.serviceSecretsName" $root }}
      key: {{ .name }}
{{- if eq .name "user" }}
- name: SERVICE_SECRETS
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.serviceSecretsName" $root }}
      key: service-secrets.json
{{- if include "shop.hasAdmin" $root }}
- name: ADMIN_EMAIL
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.adminSecretName" $root }}
      key: email
- name: ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.adminSecretName" $root }}
      key: password
{{- end }}
{{- end }}
{{- if eq .name "gateway" }}
{{- with $root.Values.gateway.corsOrigins }}
- name: CORS_ORIGINS
  value: {{ join "," . | quote }}
{{- end }}
{{- if include "shop.hasRateLimitRedis" $root }}
- name: RATE_LIMIT_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.rateLimitRedisSecretName" $root }}
      key: {{ ternary $root.Values.gateway.rateLimitRedis.urlKey "url" (not (empty $root.Values.gateway.rateLimitRedis.existingSecret)) }}
{{- end }}
{{- end }}
{{- if and (eq .name "notification") (include "shop.hasSmtp" $root) }}
- name: SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "shop.smtpSecretName" $root }}
      key: {{ ternary $root.Values.notification.smtp.urlKey "url" (not (empty $root.Values.notification.smtp.existingSecret)) }}
{{- end }}
{{- end -}}

{{/* Creates the missing service databases (run by the migration Job with mysql2 from the app image). */}}
{{- define "shop.createDatabasesScript" -}}
const { default: mysql } = await import('mysql2/promise');
const names = process.argv.slice(1);
const db = await mysql.createConnection({ host: process.env.DB_HOST, port: Number(process.env.DB_PORT), user: process.env.DB_USER, password: process.env.DB_PASSWORD });
for (const name of names) {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`refusing database name ${name}`);
  const [rows] = await db.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
  if (rows.length) { console.log(`database ${name}: exists`); continue; }
  await db.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  console.log(`database ${name}: created`);
}
await db.end();
{{- end -}}

{{/* Database credentials of the migration Job. Call with (dict "root" $ "secret" name). */}}
{{- define "shop.migrateSecretEnv" -}}
- name: DB_USER
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .root.Values.database.auth.usernameKey }}
- name: DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .root.Values.database.auth.passwordKey }}
{{- end -}}
