/* Fuzzes the reading of Docker container and volume JSON (inspect and list replies). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *obj;
	struct ws_container c;
	struct ws_volume v;
	unsigned char used[201];

	if (tok == NULL)
		return 0;
	obj = json_tokener_parse_ex(tok, (const char *)data, (int)(size > 1 << 20 ? 1 << 20 : size));
	if (obj != NULL) {
		if (ws_container_parse(obj, &c) == WS_OK &&
		    (memchr(c.id, '\0', sizeof(c.id)) == NULL ||
		     memchr(c.hostkey, '\0', sizeof(c.hostkey)) == NULL ||
		     c.port < 0 || c.port > 65535))
			__builtin_trap();
		if (ws_container_parse(obj, &c) == WS_OK &&
		    (memchr(c.home_volume, '\0', sizeof(c.home_volume)) == NULL ||
		     memchr(c.docker_volume, '\0', sizeof(c.docker_volume)) == NULL))
			__builtin_trap();
		if (ws_volume_parse(obj, &v) == WS_OK &&
		    (memchr(v.name, '\0', sizeof(v.name)) == NULL || memchr(v.owner, '\0', sizeof(v.owner)) == NULL))
			__builtin_trap();
		memset(used, 0, sizeof(used));
		ws_container_ports_in_use(obj, 2200, 2400, used);
		json_object_put(obj);
	}
	json_tokener_free(tok);
	return 0;
}
