/* mon_rec.c — the monitor's REC_* requests (monproto.h): the child's copies
 * of a recorded pty session's bytes, handed to recsink.h, which writes
 * them as root. Only a session the monitor decided to record may send them
 * (c.record, from the account and workspace it let in); anything out of
 * bounds ends the child, as any breach of the protocol does. */
#include "clock.h"
#include "config.h"
#include "mon_int.h"
#include "recording.h"
#include "recsink.h"

/* The connection's recordings, made at the first request. NULL when the
 * child may not send any, or memory is short: it has been ended (what it
 * records must be recorded). */
static struct ws_recsink *ws_mon_sink(struct ws_mon *m)
{
	const struct ws_config *cfg = m->ctx->cfg;
	struct ws_recsink_params p = { cfg->record_dir, (size_t)cfg->record_max_mb << 20,
		m->c.account, m->c.name, (long)m->child, m->c.record == WS_RECORD_INPUT };

	if (m->c.record == WS_RECORD_OFF) {
		ws_mon_violation(m, "recording messages for a session that is not recorded");
		return NULL;
	}
	if (m->rec == NULL && (m->rec = ws_recsink_new(&p)) == NULL)
		ws_mon_violation(m, "a recording the monitor has no memory for");
	return m->rec;
}

/* What a recsink call returned: a breach ends the child. */
static void ws_mon_rec_result(struct ws_mon *m, ws_err rc)
{
	if (rc == WS_ERR_INVALID)
		ws_mon_violation(m, ws_recsink_breach(m->rec));
}

void ws_req_rec_open(struct ws_mon *m)
{
	char term[WS_MP_REC_TERM_MAX + 1];
	uint32_t id = ws_mp_get_u32(&m->mp), cols = ws_mp_get_u32(&m->mp),
	    rows = ws_mp_get_u32(&m->mp);

	ws_mp_get_str(&m->mp, term, sizeof(term));
	if (!ws_mp_done(&m->mp)) {
		ws_mon_violation(m, "a malformed recording's beginning");
		return;
	}
	if (ws_mon_sink(m) != NULL)
		ws_mon_rec_result(m, ws_recsink_open(m->rec, id, cols, rows, term, ws_clock_now()));
}

void ws_req_rec_data(struct ws_mon *m)
{
	uint32_t id = ws_mp_get_u32(&m->mp), kind = ws_mp_get_u32(&m->mp);
	size_t len = 0;
	const unsigned char *p = ws_mp_get_bytes(&m->mp, WS_MP_REC_DATA_MAX, &len);

	if (!ws_mp_done(&m->mp) || p == NULL) {
		ws_mon_violation(m, "a malformed recording's data");
		return;
	}
	if (ws_mon_sink(m) != NULL)
		ws_mon_rec_result(m, ws_recsink_data(m->rec, id, kind, p, len, ws_clock_now()));
}

void ws_req_rec_resize(struct ws_mon *m)
{
	uint32_t id = ws_mp_get_u32(&m->mp), cols = ws_mp_get_u32(&m->mp),
	    rows = ws_mp_get_u32(&m->mp);

	if (ws_mp_done(&m->mp) && ws_mon_sink(m) != NULL)
		ws_mon_rec_result(m, ws_recsink_resize(m->rec, id, cols, rows, ws_clock_now()));
}

void ws_req_rec_lost(struct ws_mon *m)
{
	uint32_t id = ws_mp_get_u32(&m->mp);
	uint64_t bytes = ws_mp_get_u64(&m->mp);

	if (ws_mp_done(&m->mp) && ws_mon_sink(m) != NULL)
		ws_mon_rec_result(m, ws_recsink_lost(m->rec, id, bytes, ws_clock_now()));
}

void ws_req_rec_close(struct ws_mon *m)
{
	uint32_t id = ws_mp_get_u32(&m->mp);

	if (ws_mp_done(&m->mp) && ws_mon_sink(m) != NULL)
		ws_mon_rec_result(m, ws_recsink_close(m->rec, id, ws_clock_now()));
}

void ws_mon_rec_end(struct ws_mon *m)
{
	ws_recsink_free(m->rec, ws_clock_now());
	m->rec = NULL;
}
