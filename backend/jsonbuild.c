/* jsonbuild.c — see jsonbuild.h. */
#include "jsonbuild.h"

int ws_json_add(struct json_object *o, const char *k, struct json_object *v)
{
	if (v == NULL)
		return 1;
	if (json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		return 1;
	}
	return 0;
}

int ws_json_push(struct json_object *arr, struct json_object *v)
{
	if (v == NULL)
		return 1;
	if (json_object_array_add(arr, v) != 0) {
		json_object_put(v);
		return 1;
	}
	return 0;
}
