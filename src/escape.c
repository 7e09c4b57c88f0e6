#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "escape.h"
#include "util.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid.
 * Rejects overlongs, surrogates and values above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t left, bool terminal)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	/* C1 controls (U+0080..U+009F) act like ESC sequences on terminals */
	if (terminal && cp >= 0x80 && cp <= 0x9f)
		return 0;
	return n;
}

static char *escape(const char *s, size_t len, bool terminal)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = xmalloc(len * 4 + 1), *o = out;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_len(u + i, len - i, terminal);

		if (terminal && n == 1 &&
		    (u[i] < 0x20 || u[i] == 0x7f || u[i] == '\\'))
			n = 0;
		/* a NUL (inside an abstract UNIX name) would end the C
		 * string and lose the rest: found by tests/fuzz/fuzz_escape */
		if (!u[i])
			n = 0;
		if (!n) {
			o += sprintf(o, "\\x%02x", u[i]);
			i++;
			continue;
		}
		while (n--)
			*o++ = (char)u[i++];
	}
	*o = '\0';
	return out;
}

char *escape_bytes(const char *s, size_t len)
{
	return escape(s, len, true);
}

char *escape_json(const char *s, size_t len)
{
	return escape(s, len, false);
}
