/* recording.h — who is recorded (docs/recording.md): the settings record
 * (per account), record_workspaces, record_dir and record_max_mb, their
 * checks, and the mode a login gets from them. */
#ifndef WSGATE_RECORDING_H
#define WSGATE_RECORDING_H

#include <stddef.h>

#include "config.h"
#include "wserr.h"

/* Ordered: a stronger mode includes the weaker. */
enum ws_record_mode {
	WS_RECORD_OFF,        /* nothing */
	WS_RECORD_OUTPUT,     /* what pty sessions show */
	WS_RECORD_INPUT,      /* that, and what the person types */
};

/* Checks one record_workspaces entry ("NAME", "NAME:output" or
 * "NAME:input", NAME a workspace name): the option table's checker, beside
 * record's choices and record_dir's. Returns WS_OK, or WS_ERR_CONFIG with
 * the reason in why. */
ws_err ws_recording_entry_check(const char *entry, char *why, size_t whylen);

/* The mode for a session of workspace in acfg, a config with the account's
 * own file applied (ws_config_for_account): the stronger of its record and
 * the workspace's entry in record_workspaces. */
enum ws_record_mode ws_recording_mode(const struct ws_config *acfg, const char *workspace);

/* The mode for account's session of workspace under cfg: its account file
 * is read (as root: the monitor's side). An account file that cannot be
 * read is logged, and the global settings decide. */
enum ws_record_mode ws_recording_for(const struct ws_config *cfg, const char *account,
    const char *workspace);

/* "off", "output" or "input". */
const char *ws_recording_name(enum ws_record_mode mode);

#endif
