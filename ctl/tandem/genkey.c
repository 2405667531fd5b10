// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "args.h"
#include "parse.h"
#include "report.h"
#include "tandem.h"

void genkey_help(FILE *f)
{
	fputs("Usage: tandem genkey\n"
	      "Print a new random group key, in base64, for \"key FILE\".\n", f);
}

int genkey_main(int argc, char **argv)
{
	uint8_t key[TANDEM_KEY_LEN];
	char text[TANDEM_KEY_B64_LEN + 1];
	size_t got = 0;

	if (argc) {
		report_usage("genkey", "genkey: unknown argument \"%s\"", argv[0]);
		return TANDEM_EXIT_USAGE;
	}
	while (got < sizeof(key)) {
		ssize_t n = getrandom(key + got, sizeof(key) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			report_error(stderr, "cannot get random bytes", -errno, NULL);
			return TANDEM_EXIT_FAIL;
		}
		got += n;
	}
	base64_encode(key, sizeof(key), text);
	explicit_bzero(key, sizeof(key));
	puts(text);
	explicit_bzero(text, sizeof(text));
	return fflush(stdout) ? TANDEM_EXIT_FAIL : TANDEM_EXIT_OK;
}
