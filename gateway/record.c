/* record.c — which of a connection's bytes are recorded (docs/recording.md):
 * a session channel's, from the moment the workspace granted its pty;
 * what the workspace sends on it (output, both streams) and, in input mode,
 * what the client sends (keystrokes); its window changes. The copies go to
 * the monitor through recq.h, which writes the files; the bridge moves the
 * data as it would without them. */
#include <stdlib.h>

#include "bridge_int.h"
#include "log.h"
#include "monproto.h"
#include "recq.h"

/* The getters of a request's fields are deprecated in libssh (relay.c
 * says why they are used). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

int ws_bridges_record(struct ws_bridges *set, int mon, int input)
{
	if (set->rec == NULL && (set->rec = ws_recq_new(mon, input)) == NULL)
		return -1;
	return 0;
}

int ws_record_may_pty(struct ws_bridge *b)
{
	struct ws_recq *q = b->set->rec;

	if (q == NULL || b->rec_id != 0 || ws_recq_can_open(q))
		return 1;
	ws_warn("channel %d: refusing a pty: its session could not be recorded (%d recorded at "
	    "once, %d in all on one connection)", b->id, WS_MP_REC_OPEN_MAX, WS_MP_REC_FILES_MAX);
	return 0;
}

void ws_record_request(struct ws_bridge *b, ssh_message msg, int ok)
{
	struct ws_recq *q = b->set->rec;
	int sub, w, h;

	if (q == NULL || msg == NULL || !ok)
		return;
	sub = ssh_message_subtype(msg);
	if (sub != SSH_CHANNEL_REQUEST_PTY && sub != SSH_CHANNEL_REQUEST_WINDOW_CHANGE)
		return;
	w = ssh_message_channel_request_pty_width(msg);
	h = ssh_message_channel_request_pty_height(msg);
	if (sub == SSH_CHANNEL_REQUEST_PTY && b->rec_id == 0) {
		b->rec_id = ws_recq_open(q, (uint32_t)w, (uint32_t)h,
		    ssh_message_channel_request_pty_term(msg));
		/* Another channel's pty took the last place meanwhile: a
		 * session that must be recorded and cannot be does not go on. */
		if (b->rec_id == 0) {
			ws_warn("channel %d: its pty session cannot be recorded; closing the channel",
			    b->id);
			b->abort = 1;
		}
	} else if (sub == SSH_CHANNEL_REQUEST_WINDOW_CHANGE && b->rec_id != 0) {
		ws_recq_resize(q, b->rec_id, (uint32_t)w, (uint32_t)h);
	}
}

#pragma GCC diagnostic pop

void ws_record_data(struct ws_bridge *b, const struct ws_flow *f, int err, const char *data,
    size_t len)
{
	if (b->rec_id == 0 || b->set->rec == NULL)
		return;
	if (f == &b->w2c)
		ws_recq_data(b->set->rec, b->rec_id, WS_MP_REC_OUTPUT, data, len);
	else if (err == 0 && ws_recq_input(b->set->rec))
		ws_recq_data(b->set->rec, b->rec_id, WS_MP_REC_INPUT, data, len);
}

void ws_record_end(struct ws_bridge *b)
{
	if (b->rec_id != 0 && b->set->rec != NULL)
		ws_recq_close(b->set->rec, b->rec_id);
	b->rec_id = 0;
}

void ws_bridges_record_end(struct ws_bridges *set, int ms)
{
	struct ws_bridge *b;

	if (set == NULL || set->rec == NULL)
		return;
	for (b = set->head; b != NULL; b = b->next)
		ws_record_end(b);
	ws_recq_drain(set->rec, ms);
}
