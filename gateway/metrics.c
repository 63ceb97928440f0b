/* metrics.c — the families, where their values sit, and the Prometheus
 * text (metrics.h). */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const ws_v_state[] = { "authenticating", "bringing_up", "bridging", NULL };
static const char *const ws_v_outcome[] = { "accepted", "penalised", "dropped", NULL };
/* The audit log's words ("-" is "none"): metrics_report.c maps them. */
static const char *const ws_v_method[] = { "publickey", "password", "keyboard-interactive",
	"none", "other", NULL };
static const char *const ws_v_auth[] = { "accepted", "refused", "key-ok", "account-refused",
	"denied", "workspace-unavailable", "bad-signature", "bad-key", "ambiguous-key",
	"too-many-queries", "invalid-name", "abandoned", "other", NULL };
static const char *const ws_v_result[] = { "ok", "failed", NULL };
static const char *const ws_v_channel[] = { "session", "direct-tcpip", "direct-streamlocal",
	"auth-agent", "x11", "forwarded-tcpip", "forwarded-streamlocal", NULL };
static const char *const ws_v_phase[] = { "create", "start", "sshd", "clone", "post-start", NULL };
static const char *const ws_v_dir[] = { "from_client", "to_client", NULL };
static const char *const ws_v_reason[] = { "malformed", "sender", NULL };

#define WS_MF_GAUGE_OF_PID (WS_MF_REPORTED | WS_MF_PER_PID)

/* Indexed by enum ws_metric. */
static const struct ws_mfamily ws_families[WS_M__COUNT] = {
	{ "wsgate_connections", WS_MT_GAUGE, WS_MF_GAUGE_OF_PID | WS_MF_ONE_OF, 1,
	  "Connections being served, by state (authenticating, bringing_up: its workspace, bridging: logged in).",
	  { "state", NULL }, { ws_v_state, NULL } },
	{ "wsgate_incoming_connections_total", WS_MT_COUNTER, 0, 0,
	  "TCP connections the listener took: accepted (served), penalised (refused: penalty), dropped (max_startups, per_source_max_startups, no process).",
	  { "outcome", NULL }, { ws_v_outcome, NULL } },
	{ "wsgate_auth_attempts_total", WS_MT_COUNTER, WS_MF_REPORTED, 1,
	  "Authentication attempts, one per audit log line of event=auth, by method and result.",
	  { "method", "result" }, { ws_v_method, ws_v_auth } },
	{ "wsgate_sessions_total", WS_MT_COUNTER, WS_MF_REPORTED, 1,
	  "Sessions begun (logins that reached their workspace), one per audit log line of event=session-start.",
	  { NULL, NULL }, { NULL, NULL } },
	{ "wsgate_sessions_open", WS_MT_GAUGE, WS_MF_GAUGE_OF_PID, 1,
	  "Sessions in progress (begun, not ended).",
	  { NULL, NULL }, { NULL, NULL } },
	{ "wsgate_channels_open", WS_MT_GAUGE, WS_MF_GAUGE_OF_PID, 1024,
	  "SSH channels bridged to workspaces, by type (as their bridges last reported, at most once a second).",
	  { "type", NULL }, { ws_v_channel, NULL } },
	{ "wsgate_workspace_creates_total", WS_MT_COUNTER, WS_MF_REPORTED, 1,
	  "Workspace containers made by logins (new, orphans made whole, replacements), by result.",
	  { "result", NULL }, { ws_v_result, NULL } },
	{ "wsgate_workspace_starts_total", WS_MT_COUNTER, WS_MF_REPORTED, 1,
	  "Workspace containers started or unpaused by logins, by result.",
	  { "result", NULL }, { ws_v_result, NULL } },
	{ "wsgate_bringup_seconds", WS_MT_HISTOGRAM, WS_MF_REPORTED, 86400ULL * 1000000,
	  "Time a login's bring-up spent in each phase: create, start, sshd (until it lets the gateway in), clone, post-start.",
	  { "phase", NULL }, { ws_v_phase, NULL } },
	{ "wsgate_bytes_total", WS_MT_COUNTER, WS_MF_REPORTED, 1ULL << 40,
	  "Bytes bridged, by direction (from_client: to workspaces; to_client), as the bridges report them (at most once a second, and at their end).",
	  { "direction", NULL }, { ws_v_dir, NULL } },
	{ "wsgate_penalties_active", WS_MT_GAUGE, 0, 0,
	  "Sources (an IPv4 address or an IPv6 /64) refused now for their penalty.",
	  { NULL, NULL }, { NULL, NULL } },
	{ "wsgate_engine_up", WS_MT_GAUGE, 0, 0,
	  "1 when the container engine answered the last probe (GET /_ping), else 0.",
	  { NULL, NULL }, { NULL, NULL } },
	{ "wsgate_engine_probes_total", WS_MT_COUNTER, 0, 0,
	  "Probes of the container engine, by result.",
	  { "result", NULL }, { ws_v_result, NULL } },
	{ "wsgate_metrics_reports_dropped_total", WS_MT_COUNTER, WS_MF_REPORTED, 1u << 20,
	  "Metric reports a process could not send at once (they are dropped, never waited for).",
	  { NULL, NULL }, { NULL, NULL } },
	{ "wsgate_metrics_reports_rejected_total", WS_MT_COUNTER, 0, 0,
	  "Metric reports the listener refused: malformed, or from a sender it does not know.",
	  { "reason", NULL }, { ws_v_reason, NULL } },
};

/* Histogram buckets, seconds: a bring-up phase takes from milliseconds (a
 * running workspace's sshd) to minutes (a clone). */
static const double ws_buckets[] = { 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600 };
#define WS_NBUCKETS (sizeof(ws_buckets) / sizeof(ws_buckets[0]))

const struct ws_mfamily *ws_metrics_family(enum ws_metric m)
{
	return &ws_families[m < WS_M__COUNT ? m : 0];
}

static size_t ws_count(const char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

size_t ws_metrics_combos(enum ws_metric m)
{
	const struct ws_mfamily *f = ws_metrics_family(m);
	size_t n = 1;

	for (int i = 0; i < 2; i++)
		if (f->values[i] != NULL)
			n *= ws_count(f->values[i]);
	return n;
}

int ws_metrics_label(enum ws_metric m, int which, const char *value)
{
	const struct ws_mfamily *f = ws_metrics_family(m);
	const char *const *v = which == 0 || which == 1 ? f->values[which] : NULL;
	int other = -1;

	for (int i = 0; v != NULL && v[i] != NULL; i++) {
		if (strcmp(v[i], value) == 0)
			return i;
		if (strcmp(v[i], "other") == 0)
			other = i;
	}
	return other;
}

size_t ws_metrics_buckets(void)
{
	return WS_NBUCKETS;
}

double ws_metrics_bucket(size_t i)
{
	return i < WS_NBUCKETS ? ws_buckets[i] : 0;
}

size_t ws_metrics_width(enum ws_metric m)
{
	return ws_metrics_family(m)->type == WS_MT_HISTOGRAM ? WS_NBUCKETS + 2 : 1;
}

size_t ws_metrics_base(enum ws_metric m)
{
	size_t n = 0;

	for (int i = 0; i < (int)m; i++)
		n += ws_metrics_combos((enum ws_metric)i) * ws_metrics_width((enum ws_metric)i);
	return n;
}

uint64_t ws_msnap_value(const struct ws_msnap *s, enum ws_metric m, size_t combo)
{
	size_t k = ws_metrics_width(m);

	if (m >= WS_M__COUNT || combo >= ws_metrics_combos(m))
		return 0;
	return s->v[ws_metrics_base(m) + combo * k + (k > 1 ? WS_NBUCKETS : 0)];
}

/* Appends one formatted line (they are short: our own names and numbers). */
static ws_err ws_line(struct ws_dynbuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static ws_err ws_line(struct ws_dynbuf *out, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return WS_ERR_TOO_LARGE;
	return ws_dynbuf_add(out, line, (size_t)n);
}

/* Writes combination combo's labels as name="value",... (no braces). */
static void ws_labels(const struct ws_mfamily *f, size_t combo, char *out, size_t outlen)
{
	size_t n1;

	out[0] = '\0';
	if (f->label[0] == NULL || f->values[0] == NULL)
		return;
	if (f->label[1] == NULL || f->values[1] == NULL) {
		snprintf(out, outlen, "%s=\"%s\"", f->label[0], f->values[0][combo]);
		return;
	}
	n1 = ws_count(f->values[1]);
	snprintf(out, outlen, "%s=\"%s\",%s=\"%s\"", f->label[0], f->values[0][combo / n1],
	    f->label[1], f->values[1][combo % n1]);
}

static ws_err ws_render_histogram(const struct ws_mfamily *f, const uint64_t *b, const char *lab,
    struct ws_dynbuf *out)
{
	const char *sep = lab[0] ? "," : "";
	uint64_t cum = 0, sum_us = b[WS_NBUCKETS + 1];
	ws_err rc = WS_OK;
	size_t i;

	for (i = 0; i < WS_NBUCKETS && rc == WS_OK; i++) {
		cum += b[i];
		rc = ws_line(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", f->name, lab, sep, ws_buckets[i],
		    (unsigned long long)cum);
	}
	if (rc == WS_OK)
		rc = ws_line(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", f->name, lab, sep,
		    (unsigned long long)b[WS_NBUCKETS]);
	if (rc == WS_OK)
		rc = ws_line(out, "%s_sum{%s} %.6f\n", f->name, lab, (double)sum_us / 1e6);
	if (rc == WS_OK)
		rc = ws_line(out, "%s_count{%s} %llu\n", f->name, lab, (unsigned long long)b[WS_NBUCKETS]);
	return rc;
}

ws_err ws_metrics_render(const struct ws_msnap *s, struct ws_dynbuf *out)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	char lab[256];
	ws_err rc = WS_OK;

	for (int m = 0; m < WS_M__COUNT && rc == WS_OK; m++) {
		const struct ws_mfamily *f = &ws_families[m];
		const uint64_t *v = &s->v[ws_metrics_base((enum ws_metric)m)];
		size_t n = ws_metrics_combos((enum ws_metric)m), k = ws_metrics_width((enum ws_metric)m);

		rc = ws_line(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, types[f->type]);
		for (size_t c = 0; c < n && rc == WS_OK; c++) {
			ws_labels(f, c, lab, sizeof(lab));
			if (f->type == WS_MT_HISTOGRAM)
				rc = ws_render_histogram(f, &v[c * k], lab, out);
			else if (f->type == WS_MT_GAUGE) /* per-connection sums move both ways */
				rc = ws_line(out, "%s%s%s%s %lld\n", f->name, lab[0] ? "{" : "", lab,
				    lab[0] ? "}" : "", (long long)(int64_t)v[c]);
			else
				rc = ws_line(out, "%s%s%s%s %llu\n", f->name, lab[0] ? "{" : "", lab,
				    lab[0] ? "}" : "", (unsigned long long)v[c]);
		}
	}
	return rc;
}
