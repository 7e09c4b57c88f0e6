/* libFuzzer target: the command line.  The bytes, split at NUL and
 * newline, are argv[1..] for options_parse (every option, abbreviation
 * and argument form getopt_long takes), then the -o list as the table
 * renderer checks it; each word also goes through parse_size,
 * parse_duration and netns_parse_sel.  Run with -close_fd_mask=3: usage
 * errors and --help print.  Seeds: tests/fuzz/seeds/options (command
 * lines from the manual and the tests).  Built by tests/fuzz/build.sh
 * (make fuzz), run by .ci/run. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "render.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 1], *p;
	struct netns_sel sel;
	struct skc_opts o;
	char bad[256];
	uint64_t sz;
	double d;
	int argc = 1, i;

	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = (char *)"skcheck";
	for (p = buf; argc < MAX_ARGS && p <= buf + size; argc++) {
		size_t n = strcspn(p, "\n");

		argv[argc] = p;
		p[n] = '\0';	/* the buffer's own NUL when n reaches it */
		p += n + 1;
	}
	argv[argc] = NULL;
	for (i = 1; i < argc; i++) {
		(void)parse_size(argv[i], &sz);
		(void)parse_duration(argv[i], &d);
		(void)netns_parse_sel(argv[i], &sel);
	}
	if (options_parse(argc, argv, &o) < 0)
		(void)render_table_check_columns(&o.render, bad, sizeof(bad));
	options_free(&o);
	free(buf);
	return 0;
}
