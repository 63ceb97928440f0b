#include "recording.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "names.h"

static const char *const ws_record_names[] = { "off", "output", "input" };

const char *ws_recording_name(enum ws_record_mode mode)
{
	return (unsigned)mode < 3 ? ws_record_names[mode] : "?";
}

/* Returns the mode named s (len bytes), or -1. */
static int ws_record_parse(const char *s, size_t len)
{
	int i;

	for (i = 0; i < 3; i++)
		if (strlen(ws_record_names[i]) == len && strncmp(s, ws_record_names[i], len) == 0)
			return i;
	return -1;
}

/* Splits a record_workspaces entry into its name (name, WS_NAME_MAX + 1
 * bytes) and mode. Returns the mode (output without a suffix), -1 when the
 * entry is malformed. */
static int ws_record_entry(const char *e, char *name)
{
	const char *colon = strchr(e, ':');
	size_t n = colon != NULL ? (size_t)(colon - e) : strlen(e);
	int mode = colon != NULL ? ws_record_parse(colon + 1, strlen(colon + 1)) : WS_RECORD_OUTPUT;
	char why[160];

	if (n > WS_NAME_MAX || mode <= WS_RECORD_OFF)
		return -1;
	memcpy(name, e, n);
	name[n] = '\0';
	return ws_name_check(name, why, sizeof(why)) == WS_OK ? mode : -1;
}

ws_err ws_recording_entry_check(const char *entry, char *why, size_t whylen)
{
	char name[WS_NAME_MAX + 1];

	if (ws_record_entry(entry, name) < 0) {
		snprintf(why, whylen, "'%s' must be a workspace name, alone or followed by :output or :input (like \"myproject:input\")",
		    entry);
		return WS_ERR_CONFIG;
	}
	return WS_OK;
}

enum ws_record_mode ws_recording_mode(const struct ws_config *acfg, const char *workspace)
{
	char name[WS_NAME_MAX + 1];
	int mode = ws_record_parse(acfg->record, strlen(acfg->record)), m;
	size_t i;

	if (mode < 0)
		mode = WS_RECORD_OFF; /* checked at load: not reached */
	for (i = 0; acfg->record_workspaces != NULL && acfg->record_workspaces[i] != NULL; i++) {
		m = ws_record_entry(acfg->record_workspaces[i], name);
		if (m > mode && strcmp(name, workspace) == 0)
			mode = m;
	}
	return (enum ws_record_mode)mode;
}

enum ws_record_mode ws_recording_for(const struct ws_config *cfg, const char *account,
    const char *workspace)
{
	struct ws_config *acfg = NULL;
	enum ws_record_mode mode;
	char err[512] = "";
	ws_err rc = ws_config_for_account(cfg, account, &acfg, err, sizeof(err));

	if (rc != WS_OK) {
		ws_warn("recording of %s@%s: %s; the gateway's own settings decide", account,
		    workspace, err[0] ? err : ws_err_str(rc));
		return ws_recording_mode(cfg, workspace);
	}
	mode = ws_recording_mode(acfg, workspace);
	ws_config_free(acfg);
	return mode;
}
