/* `verdict run`: run one Python file in the jail and print the result as
 * JSON. For debugging policies and limits, and for the jail's tests. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli/commands.h"
#include "base/file_io.h"
#include "score/jail_json.h"
#include "base/options.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: verdict run [options] FILE.py [ARG...]\n"
		   "Run one Python file in the jail and print the result as JSON.\n\n"
		   "  --stdin FILE         bytes piped to the program's stdin\n"
		   "  --channel            give the program a result channel on fd 3 (printed as \"channel\")\n"
		   "  --file NAME=PATH     also place PATH in the jail as /tmp/NAME (repeatable, up to 8)\n"
		   "  --print-root         print the jail's root plan and exit\n" COMMON_OPTIONS_HELP
		   "\nExit status: 0 the program ran (whatever its status), 1 sandbox_error, 2 usage.\n");
}

int cmd_run(int argc, char **argv)
{
	struct common_opts co;
	common_opts_init(&co);
	const char *stdin_path = NULL;
	bool channel = false, print_root = false;
	const char *extra[8];
	size_t n_extra = 0;
	static const struct option longopts[] = {
		COMMON_LONG_OPTIONS,
		{ "stdin", required_argument, NULL, 's' },
		{ "channel", no_argument, NULL, 'c' },
		{ "print-root", no_argument, NULL, 'r' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	char err[512];
	int key;
	optind = 1;
	while ((key = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		int rc = common_opts_parse(&co, key, optarg, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "verdict run: %s\n", err);
			return 2;
		}
		if (rc == 1)
			continue;
		switch (key) {
		case 's':
			stdin_path = optarg;
			break;
		case 'c':
			channel = true;
			break;
		case 'r':
			print_root = true;
			break;
		case 'f':
			if (n_extra == ARRAY_LEN(extra) || !strchr(optarg, '=')) {
				fprintf(stderr, "verdict run: --file NAME=PATH, at most %zu times\n", ARRAY_LEN(extra));
				return 2;
			}
			extra[n_extra++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!print_root && optind >= argc) {
		usage(stderr);
		return 2;
	}
	struct jail_config cfg;
	if (common_opts_jail(&co, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict run: %s\n", err);
		jail_config_free(&cfg);
		return 2;
	}
	if (print_root) {
		jail_print_root(&cfg, stdout);
		jail_config_free(&cfg);
		return 0;
	}
	autofree char *program = NULL, *input = NULL;
	size_t program_len = 0, input_len = 0;
	if (file_read_all(argv[optind], 64u << 20, &program, &program_len, err, sizeof(err)) < 0 ||
	    (stdin_path && file_read_all(stdin_path, 1u << 30, &input, &input_len, err, sizeof(err)) < 0)) {
		fprintf(stderr, "verdict run: %s\n", err);
		jail_config_free(&cfg);
		return 2;
	}
	/* Keep the file's own name when it is a plain one, so tracebacks read
	 * naturally. */
	autofree char *copy = strdup(argv[optind]);
	const char *base = copy ? basename(copy) : "main.py";
	size_t bl = strlen(base);
	if (bl < 4 || strcmp(base + bl - 3, ".py") != 0 || base[0] == '.' || strchr(base, ' '))
		base = "main.py";
	char jail_path[300];
	snprintf(jail_path, sizeof(jail_path), "/tmp/%s", base);
	int nargs = argc - optind - 1;
	autofree const char **pargv = calloc((size_t)nargs + 3, sizeof(*pargv));
	if (!pargv) {
		jail_config_free(&cfg);
		return 1;
	}
	pargv[0] = cfg.python;
	pargv[1] = jail_path;
	for (int i = 0; i < nargs; i++)
		pargv[2 + i] = argv[optind + 1 + i];
	struct jail_file files[1 + ARRAY_LEN(extra)];
	char *extra_data[ARRAY_LEN(extra)] = { 0 };
	files[0] = (struct jail_file){ .name = base, .data = program, .len = program_len };
	int rc = 0;
	for (size_t i = 0; i < n_extra; i++) {
		const char *eq = strchr(extra[i], '=');
		size_t nl = (size_t)(eq - extra[i]);
		char *name = strndup(extra[i], nl);
		size_t len = 0;
		if (!name || file_read_all(eq + 1, 256u << 20, &extra_data[i], &len, err, sizeof(err)) < 0) {
			fprintf(stderr, "verdict run: %s\n", name ? err : "out of memory");
			free(name);
			rc = 2;
			n_extra = i;
			break;
		}
		files[1 + i] = (struct jail_file){ .name = name, .data = extra_data[i], .len = len };
	}
	if (rc) {
		for (size_t i = 0; i < n_extra; i++) {
			free((char *)files[1 + i].name);
			free(extra_data[i]);
		}
		jail_config_free(&cfg);
		return rc;
	}
	struct jail_spec spec = {
		.argv = pargv,
		.files = files,
		.n_files = 1 + n_extra,
		.stdin_data = input,
		.stdin_len = input_len,
		.want_channel = channel,
	};
	common_opts_limits(&co, &spec.limits);
	struct jail_result res;
	jail_run(&cfg, &spec, &res);
	cJSON *j = jail_json_result(&res);
	if (j && channel)
		cJSON_AddStringToObject(j, "channel", res.channel.data ? res.channel.data : "");
	char *text = j ? cJSON_Print(j) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(j);
	rc = res.status == JAIL_SANDBOX_ERROR ? 1 : 0;
	for (size_t i = 0; i < n_extra; i++) {
		free((char *)files[1 + i].name);
		free(extra_data[i]);
	}
	jail_result_free(&res);
	jail_config_free(&cfg);
	return rc;
}
