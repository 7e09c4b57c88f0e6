/* libFuzzer target: the escaping of untrusted bytes (comm, cmdline, UNIX
 * paths, cgroup paths) checked against what escape.h promises.
 * escape_bytes: no C0/C1 control, DEL or invalid UTF-8 left, every
 * backslash starts \xNN, and undoing the \xNN gives the input back.
 * escape_json: valid UTF-8, no byte of the input lost (the result is at
 * least as long as the input, a NUL included), and json-c writes it and
 * reads the same string back.  Seeds: tests/data/proc.  Built by
 * tests/fuzz/build.sh (make fuzz), run by .ci/run. */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid UTF-8 (no overlongs, surrogates, or values above U+10FFFF)?
 * With no_c1, C1 controls (U+0080..U+009F) count as invalid. */
static int utf8_ok(const unsigned char *s, size_t len, int no_c1)
{
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (len - i < n)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    (no_c1 && cp <= 0x9f))
			return 0;
		i += n;
	}
	return 1;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void check_bytes(const uint8_t *data, size_t size)
{
	char *e = escape_bytes((const char *)data, size);
	size_t len = strlen(e), i, j = 0;
	unsigned char *back = malloc(len + 1);

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)e[i];

		if (c < 0x20 || c == 0x7f)
			abort();	/* a control character got through */
		if (c == '\\') {
			if (i + 3 >= len || e[i + 1] != 'x' ||
			    hexval(e[i + 2]) < 0 || hexval(e[i + 3]) < 0)
				abort();	/* a backslash that is not \xNN */
			back[j++] = (unsigned char)(hexval(e[i + 2]) << 4 | hexval(e[i + 3]));
			i += 3;
		} else {
			back[j++] = c;
		}
	}
	if (!utf8_ok((const unsigned char *)e, len, 1))
		abort();	/* invalid UTF-8 or a C1 control got through */
	if (j != size || memcmp(back, data, size) != 0)
		abort();	/* not reversible: input lost or changed */
	free(back);
	free(e);
}

static void check_json(const uint8_t *data, size_t size)
{
	char *e = escape_json((const char *)data, size);
	size_t len = strlen(e);
	json_object *s, *back;

	if (len < size)
		abort();	/* input bytes lost (a NUL cut the string) */
	if (!utf8_ok((const unsigned char *)e, len, 0))
		abort();
	s = json_object_new_string_len(e, (int)len);
	back = json_tokener_parse(json_object_to_json_string(s));
	if (!back || strcmp(json_object_get_string(back), e) != 0)
		abort();	/* json-c does not read back what it wrote */
	json_object_put(back);
	json_object_put(s);
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;	/* the kernel's strings are shorter */
	check_bytes(data, size);
	check_json(data, size);
	return 0;
}
