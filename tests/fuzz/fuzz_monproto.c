/* Fuzzes the monitor's reading of its child's messages (monproto.h): any
 * bytes must leave it without a crash, and a message ws_mp_valid() accepts
 * for a shape must read to its end, field by field, with the monitor's own
 * bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "monproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const shapes[] = { "s", "ss4bb", "ss", "n", "4sss", "88", "48sbs", "sb", "b",
	"444s", "44b", "444", "48", "4", WS_MP_STATS_SHAPE, WS_MP_CMD_SHAPE };

/* Reads m by shape with getters, as the monitor's handlers do. */
static int walk(struct ws_mp *m, const char *shape)
{
	static char s[WS_MP_MAX];
	size_t n;
	uint32_t k, i;

	for (; *shape != '\0'; shape++) {
		switch (*shape) {
		case '4':
			(void)ws_mp_get_u32(m);
			break;
		case '8':
			(void)ws_mp_get_u64(m);
			break;
		case 'b':
			(void)ws_mp_get_bytes(m, WS_MP_MAX, &n);
			break;
		case 's':
			ws_mp_get_str(m, s, sizeof(s));
			break;
		case 'n':
			k = ws_mp_get_u32(m);
			for (i = 0; i < k && i < WS_MP_MAX_LIST; i++)
				ws_mp_get_str(m, s, sizeof(s));
			break;
		}
	}
	return ws_mp_done(m);
}

/* An owner's command as the monitor reads it: whatever it takes holds only
 * what the split could have made, and its words lie in its own buffer. */
static void command(struct ws_mp *m)
{
	static struct ws_cli_words w;
	uint32_t id;
	int i;

	m->pos = 1;
	m->bad = 0;
	if (ws_mp_get_cmd(m, &id, &w) != WS_OK)
		return;
	if (w.argc < 1 || w.argc > WS_CLI_WORDS_MAX || w.argv[w.argc] != NULL ||
	    !ws_cli_words_ok(w.argv, (size_t)w.argc))
		abort();
	for (i = 0; i < w.argc; i++)
		if (w.argv[i] < w.buf || w.argv[i] >= w.buf + sizeof(w.buf))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ws_mp m;
	size_t i;

	if (ws_mp_load(&m, data, size) != WS_OK)
		return 0;
	command(&m);
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		int valid = ws_mp_valid(&m, shapes[i]);
		m.pos = 1;
		m.bad = 0;
		if (valid && !walk(&m, shapes[i]))
			abort();
		m.pos = 1;
		m.bad = 0;
	}
	return 0;
}
