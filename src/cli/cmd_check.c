/* `verdict check`: which isolation layers this host gives, which ones the
 * configured level uses, and a probe run that proves them from inside the
 * jail. Exit status 1 when the operator's minimum level cannot be met or the
 * probe does not confirm the layers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/commands.h"
#include "base/embedded.h"
#include "score/jail_json.h"
#include "base/options.h"

/* What the probe must show for a layer to count as verified. A layer can
 * also be active but not provable from inside: without a /proc in the jail
 * (runtimes that mask theirs) nothing there names the net or ipc
 * namespace. */
struct verified {
	bool done[JAIL_LAYER_COUNT];
	bool ok[JAIL_LAYER_COUNT];
	bool unprovable[JAIL_LAYER_COUNT];
	char why[JAIL_LAYER_COUNT][120];
};

static void verify(struct verified *v, enum jail_layer_id id, bool ok, const char *why)
{
	v->done[id] = true;
	v->ok[id] = ok;
	snprintf(v->why[id], sizeof(v->why[id]), "%s", why);
}

static void unprovable(struct verified *v, enum jail_layer_id id, const char *why)
{
	v->unprovable[id] = true;
	snprintf(v->why[id], sizeof(v->why[id]), "%s", why);
}

static const char *str_field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A number field, or -1 when absent (the probe reports failures as text). */
static double num_field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static bool ns_differs(const cJSON *facts, const char *ns)
{
	const cJSON *nss = cJSON_GetObjectItemCaseSensitive(facts, "namespaces");
	const char *inside = str_field(nss, ns);
	char path[64], mine[128];
	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	ssize_t n = readlink(path, mine, sizeof(mine) - 1);
	if (n <= 0 || !inside[0] || strncmp(inside, "error", 5) == 0)
		return false;
	mine[n] = '\0';
	return strcmp(mine, inside) != 0;
}

/* Every capability set empty: from /proc/self/status when the jail has a
 * /proc, else from prctl and capget (the probe's "kernel" facts). */
static bool all_zero_caps(const cJSON *f, bool have_proc)
{
	if (have_proc) {
		const char *keys[] = { "cap_eff", "cap_prm", "cap_bnd", "cap_amb" };
		for (size_t i = 0; i < ARRAY_LEN(keys); i++)
			if (strcmp(str_field(f, keys[i]), "0000000000000000") != 0)
				return false;
		return true;
	}
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(f, "kernel");
	const char *keys[] = { "cap_eff", "cap_prm", "cap_inh", "cap_bnd", "cap_amb" };
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (num_field(k, keys[i]) != 0)
			return false;
	return num_field(k, "caps_known") > 0;
}

/* Whether `name` is the first component of the host path `path`. */
static bool first_component(const char *path, const char *name)
{
	size_t n = strlen(name);
	return path && path[0] == '/' && strncmp(path + 1, name, n) == 0 && (path[n + 1] == '/' || !path[n + 1]);
}

/* The root's entries are the planned ones: the system directories, and the
 * first component of the interpreter's prefix and of each --bind-ro path. */
static bool root_is_minimal(const cJSON *f, const struct jail_config *c)
{
	static const char *const allowed[] = { "bin", "dev",   "etc",  "lib",  "lib32", "lib64", "libx32",
					       "proc", "sbin", "tmp", "usr", "opt", "srv", "media", "mnt" };
	const cJSON *root = cJSON_GetObjectItemCaseSensitive(f, "root");
	const cJSON *e;
	if (!cJSON_IsArray(root))
		return false;
	cJSON_ArrayForEach(e, root)
	{
		if (!cJSON_IsString(e))
			return false;
		bool ok = first_component(c->python_prefix, e->valuestring);
		for (size_t i = 0; i < ARRAY_LEN(allowed); i++)
			ok |= strcmp(e->valuestring, allowed[i]) == 0;
		for (size_t i = 0; c->ro_binds && c->ro_binds[i]; i++)
			ok |= first_component(c->ro_binds[i], e->valuestring);
		if (!ok)
			return false;
	}
	return true;
}

/* Every mount of the jail read-only, nosuid and nodev, but the private /tmp,
 * the jail's /proc and the four device nodes (nosuid still). The probe lists
 * the jail's mounts from its own /proc/self/mountinfo: submounts of the
 * read-only binds included. Sets *n to the number of mounts and names the
 * first offender in `bad`. */
static bool mounts_read_only(const cJSON *f, int *n, char *bad, size_t badlen)
{
	static const char *const writable[] = { "/tmp", "/proc", "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom" };
	const cJSON *mounts = cJSON_GetObjectItemCaseSensitive(f, "mounts");
	const cJSON *m;
	*n = 0;
	bad[0] = '\0';
	if (!cJSON_IsArray(mounts))
		return false;
	cJSON_ArrayForEach(m, mounts)
	{
		const cJSON *point = cJSON_GetArrayItem(m, 0);
		if (!cJSON_IsString(point) || cJSON_GetArraySize(m) != 4) {
			snprintf(bad, badlen, "malformed probe record");
			return false;
		}
		bool ro = cJSON_IsTrue(cJSON_GetArrayItem(m, 1)), nosuid = cJSON_IsTrue(cJSON_GetArrayItem(m, 2)),
		     nodev = cJSON_IsTrue(cJSON_GetArrayItem(m, 3));
		bool may_write = false;
		for (size_t i = 0; i < ARRAY_LEN(writable); i++)
			may_write |= strcmp(point->valuestring, writable[i]) == 0;
		(*n)++;
		if (!nosuid || (!may_write && (!ro || !nodev))) {
			snprintf(bad, badlen, "%s is %s", point->valuestring,
				 !nosuid ? "not nosuid" : !ro ? "writable" : "not nodev");
			return false;
		}
	}
	return *n > 0;
}

static void verify_namespaces(const struct jail_config *c, const cJSON *f, bool have_proc, struct verified *v)
{
	const cJSON *uid = cJSON_GetObjectItemCaseSensitive(f, "uid");
	const char *no_proc = "active but not provable from inside: no /proc in the jail";
	if (have_proc) {
		verify(v, JAIL_LAYER_USER_NS, ns_differs(f, "user") && cJSON_IsNumber(uid) && uid->valueint != 0,
		       "own user namespace, not root inside");
		const cJSON *procs = cJSON_GetObjectItemCaseSensitive(f, "processes");
		verify(v, JAIL_LAYER_PID_NS, ns_differs(f, "pid") && cJSON_GetArraySize(procs) <= 2,
		       "sees only the jail's init and itself");
		int n_mounts;
		char bad[96], why[120];
		bool ro = mounts_read_only(f, &n_mounts, bad, sizeof(bad));
		if (ro)
			snprintf(why, sizeof(why),
				 "root holds only the planned entries; %d mounts, all read-only but /tmp, /proc, /dev nodes",
				 n_mounts);
		else
			snprintf(why, sizeof(why), "planned root entries, every mount read-only: %s", bad);
		verify(v, JAIL_LAYER_MOUNT_NS, ns_differs(f, "mnt") && root_is_minimal(f, c) && ro, why);
		const cJSON *ifs = cJSON_GetObjectItemCaseSensitive(f, "interfaces");
		verify(v, JAIL_LAYER_NET_NS, ns_differs(f, "net") && cJSON_GetArraySize(ifs) <= 1,
		       "no interface but loopback");
		verify(v, JAIL_LAYER_IPC_NS, ns_differs(f, "ipc"), "own ipc namespace");
		/* A runtime may refuse sethostname (the layer's detail says so):
		 * the namespace alone is the layer then. */
		verify(v, JAIL_LAYER_UTS_NS, ns_differs(f, "uts"), "own uts namespace");
		return;
	}
	/* Without /proc: an id other than verdict's own proves a uid mapping,
	 * pid 1-2 a pid namespace, the root listing the mount namespace. */
	verify(v, JAIL_LAYER_USER_NS,
	       cJSON_IsNumber(uid) && uid->valueint != 0 && (uid_t)uid->valuedouble != getuid(),
	       "runs as a mapped id, not verdict's own, not root");
	double pid = num_field(f, "pid");
	verify(v, JAIL_LAYER_PID_NS, pid >= 1 && pid <= 2, "pid 1-2: the first processes of their own pid namespace");
	verify(v, JAIL_LAYER_MOUNT_NS, root_is_minimal(f, c) && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "usr_read_only")),
	       "root holds only the planned entries, /usr read-only (submounts not listable without /proc)");
	unprovable(v, JAIL_LAYER_NET_NS, no_proc);
	unprovable(v, JAIL_LAYER_IPC_NS, no_proc);
	if (strcmp(str_field(f, "hostname"), "verdict") == 0)
		verify(v, JAIL_LAYER_UTS_NS, true, "hostname 'verdict'");
	else
		unprovable(v, JAIL_LAYER_UTS_NS, no_proc);
}

static void verify_facts(const struct jail_config *c, const cJSON *f, struct verified *v)
{
	const cJSON *uid = cJSON_GetObjectItemCaseSensitive(f, "uid");
	const cJSON *kernel = cJSON_GetObjectItemCaseSensitive(f, "kernel");
	bool have_proc = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "proc"));
	if (c->level == JAIL_LEVEL_FULL)
		verify_namespaces(c, f, have_proc, v);
	verify(v, JAIL_LAYER_SECCOMP,
	       have_proc ? strcmp(str_field(f, "seccomp"), "2") == 0 : num_field(kernel, "seccomp") == 2,
	       "seccomp mode 2 (filter)");
	verify(v, JAIL_LAYER_NO_NEW_PRIVS,
	       have_proc ? strcmp(str_field(f, "no_new_privs"), "1") == 0 : num_field(kernel, "no_new_privs") == 1,
	       "no_new_privs 1");
	verify(v, JAIL_LAYER_CAPS, all_zero_caps(f, have_proc), "every capability set empty");
	const cJSON *as = cJSON_GetObjectItemCaseSensitive(f, "rlimit_as");
	verify(v, JAIL_LAYER_RLIMITS, cJSON_IsNumber(as) && (uint64_t)as->valuedouble == c->defaults.memory_bytes,
	       "RLIMIT_AS as configured");
	if (c->layers[JAIL_LAYER_RUN_UID].state != JAIL_LAYER_MISSING) {
		/* Inside a user namespace the run uid is fixed; at the seccomp
		 * level it is a host id of the level's own block. */
		uid_t u = cJSON_IsNumber(uid) ? (uid_t)uid->valuedouble : 0;
		bool full = c->level == JAIL_LEVEL_FULL;
		bool ok = full ? u == c->run_uid : (u >= c->seccomp_uid && u < c->seccomp_uid + c->seccomp_ids);
		verify(v, JAIL_LAYER_RUN_UID, ok, "runs as a dedicated unprivileged uid");
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: verdict check [options]\n"
		   "Report which isolation layers this host allows and which are active, then prove them\n"
		   "with a probe run inside the jail.\n\n"
		   "  --json               print one JSON object instead of a table\n" COMMON_OPTIONS_HELP
		   "\nA layer the probe cannot see from inside (no /proc in the jail) is shown as verified n/a.\n"
		   "Exit status: 0 the minimum isolation is met and every provable layer verified, 1 it is\n"
		   "not, 2 usage.\n");
}

int cmd_check(int argc, char **argv)
{
	struct common_opts co;
	common_opts_init(&co);
	bool json = false;
	static const struct option longopts[] = {
		COMMON_LONG_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	char err[512] = "";
	int key;
	optind = 1;
	while ((key = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int rc = common_opts_parse(&co, key, optarg, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "verdict check: %s\n", err);
			return 2;
		}
		if (rc == 1)
			continue;
		if (key == 'j') {
			json = true;
		} else if (key == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	struct jail_config cfg;
	int cfg_rc = common_opts_jail(&co, &cfg, err, sizeof(err));
	struct verified v = { 0 };
	struct jail_result res = { 0 };
	bool probe_ok = false;
	char probe_note[256] = "not run: the minimum isolation level is not met";
	if (cfg_rc == 0) {
		const struct embedded_file *probe = embedded_find("py/probe.py");
		const char *pargv[] = { cfg.python, "/tmp/probe.py", NULL };
		struct jail_file file = { .name = "probe.py", .data = probe ? probe->data : "", .len = probe ? probe->len : 0 };
		struct jail_spec spec = { .argv = pargv, .files = &file, .n_files = 1 };
		spec.limits.cpu_ms = 10000;
		spec.limits.wall_ms = 30000;
		jail_run(&cfg, &spec, &res);
		cJSON *facts = res.status == JAIL_OK ? cJSON_Parse(res.out.data ? res.out.data : "") : NULL;
		if (facts) {
			verify_facts(&cfg, facts, &v);
			probe_ok = true;
			for (int i = 0; i < JAIL_LAYER_COUNT; i++)
				if (v.done[i] && !v.ok[i] && cfg.layers[i].state == JAIL_LAYER_ACTIVE)
					probe_ok = false;
			int n_unprovable = 0;
			for (int i = 0; i < JAIL_LAYER_COUNT; i++)
				n_unprovable += v.unprovable[i] && cfg.layers[i].state == JAIL_LAYER_ACTIVE;
			char tail[96] = "";
			if (n_unprovable)
				snprintf(tail, sizeof(tail), "; %d active layer%s not provable (no /proc in the jail)",
					 n_unprovable, n_unprovable == 1 ? "" : "s");
			snprintf(probe_note, sizeof(probe_note), "%s in %llu ms wall, %llu ms cpu%s",
				 probe_ok ? "confirmed from inside the jail" : "DID NOT confirm every active layer",
				 (unsigned long long)res.wall_ms, (unsigned long long)res.cpu_ms, tail);
		} else {
			snprintf(probe_note, sizeof(probe_note), "probe run failed: status %s %s %.120s",
				 jail_status_name(res.status), res.error, res.err.data ? res.err.data : "");
		}
		cJSON_Delete(facts);
	}
	if (json) {
		cJSON *o = jail_json_isolation(&cfg);
		cJSON_AddStringToObject(o, "minimum", co.isolation);
		cJSON_AddBoolToObject(o, "minimum_met", cfg_rc == 0);
		if (cfg_rc != 0)
			cJSON_AddStringToObject(o, "error", err);
		cJSON *layers = cJSON_GetObjectItemCaseSensitive(o, "layers");
		for (int i = 0; i < JAIL_LAYER_COUNT; i++) {
			cJSON *l = cJSON_GetObjectItemCaseSensitive(layers, jail_layer_key((enum jail_layer_id)i));
			if (l && v.done[i])
				cJSON_AddBoolToObject(l, "verified", v.ok[i]);
			else if (l && v.unprovable[i])
				cJSON_AddNullToObject(l, "verified");
			if (l && (v.done[i] || v.unprovable[i]))
				cJSON_AddStringToObject(l, "proof", v.why[i]);
		}
		cJSON *p = cJSON_AddObjectToObject(o, "probe");
		cJSON_AddBoolToObject(p, "ok", probe_ok);
		cJSON_AddStringToObject(p, "detail", probe_note);
		char *text = cJSON_Print(o);
		if (text)
			printf("%s\n", text);
		free(text);
		cJSON_Delete(o);
	} else {
		printf("verdict %s isolation check\n\n", VERDICT_VERSION);
		printf("interpreter   %s\n", cfg.python[0] ? cfg.python : co.python);
		printf("minimum       %s\n", co.isolation);
		printf("level         %s\n", cfg_rc == 0 ? jail_level_name(cfg.level) : "NOT MET");
		if (cfg_rc != 0)
			printf("error         %s\n", err);
		printf("\n%-22s %-10s %-9s %s\n", "layer", "state", "verified", "detail");
		for (int i = 0; i < JAIL_LAYER_COUNT; i++) {
			const char *ver = v.unprovable[i] ? "n/a" : !v.done[i] ? "-" : v.ok[i] ? "yes" : "NO";
			printf("%-22s %-10s %-9s %s\n", jail_layer_name((enum jail_layer_id)i),
			       jail_layer_state_name(cfg.layers[i].state), ver, cfg.layers[i].detail);
		}
		printf("\nprobe run     %s\n", probe_note);
		for (int i = 0; i < JAIL_LAYER_COUNT; i++)
			if (v.done[i] && !v.ok[i] && cfg.layers[i].state == JAIL_LAYER_ACTIVE)
				printf("not proven    %s: expected %s\n", jail_layer_name((enum jail_layer_id)i), v.why[i]);
	}
	jail_result_free(&res);
	jail_config_free(&cfg);
	return cfg_rc == 0 && probe_ok ? 0 : 1;
}
