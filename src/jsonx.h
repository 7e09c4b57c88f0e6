/* json-c calls that cannot fail quietly.  json-c answers an allocation
 * failure with NULL (a constructor, which json_object_object_add then
 * stores as a JSON null) or -1 (an add): a document built without these
 * checks would print wrong nulls or lose keys when memory runs out.
 * Every renderer of JSON builds through them; out of memory ends the run
 * (oom: a message and the failure status). */
#ifndef SKC_JSONX_H
#define SKC_JSONX_H

#include <json-c/json.h>

#include "util.h"

/* j, a constructor's result; NULL only when json-c could not allocate. */
static inline json_object *jx(json_object *j)
{
	if (!j)
		oom();
	return j;
}

/* o[k] = v (v NULL: a JSON null, on purpose). */
static inline void jset(json_object *o, const char *k, json_object *v)
{
	if (json_object_object_add(o, k, v) < 0)
		oom();
}

/* Append v to the array a. */
static inline void jpush(json_object *a, json_object *v)
{
	if (json_object_array_add(a, v) < 0)
		oom();
}

/* The text of j (owned by j), never NULL. */
static inline const char *jtext(json_object *j, int flags)
{
	const char *t = json_object_to_json_string_ext(j, flags);

	if (!t)
		oom();
	return t;
}

#endif
