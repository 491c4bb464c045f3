//go:build linux && cgo

/*
 * plan.c: check and index an operation list (format in plan.h).
 *
 * The decoder is the only code that reads the plan's raw bytes. It walks
 * the buffer once to count and bound everything, allocates once, then
 * walks it again to index the arguments. Each operation must carry exactly
 * the arguments its schema lists, of the right kind; anything else (a
 * length past the end, a missing NUL, an unknown type, trailing bytes) is
 * refused. It is fuzzed from Go (internal/supervisor/cplan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* Argument kinds per operation (see plan.h for what each argument means). */
static const char *const op_schema[OP_MAX] = {
	[OP_SETNS] = "uu",
	[OP_UNSHARE] = "u",
	[OP_HOSTNAME] = "s",
	[OP_SETSID] = "",
	[OP_RSLAVE] = "",
	[OP_HOOK] = "ssll",
	[OP_MOUNT_HOST] = "sslus",
	[OP_ROOT] = "ssuu",
	[OP_FSMOUNT] = "sslusu",
	[OP_BIND] = "ssuuul",
	[OP_SETATTR] = "suuu",
	[OP_MKDIR] = "su",
	[OP_SYMLINK] = "ss",
	[OP_MKNOD] = "suuu",
	[OP_WRITE] = "sbu",
	[OP_CREATE] = "sbu",
	[OP_DEVPTS] = "sl",
	[OP_PTY] = "luuuu",
	[OP_READY] = "",
	[OP_PIVOT] = "",
	[OP_STDIO] = "u",
	[OP_PROCSELF] = "ss",
	[OP_RLIMIT] = "uuu",
	[OP_CAPS] = "u",
	[OP_NNP] = "",
	[OP_SECCOMP] = "b",
	[OP_SETUSER] = "uub",
	[OP_CHDIR] = "s",
	[OP_EXEC] = "lls",
	[OP_INIT] = "lluubs",
	[OP_ATTACH] = "us",
	[OP_PDEATHSIG] = "u",
	[OP_ATTACH_IN] = "usu",
	[OP_KEYRING] = "",
	[OP_PROCATTR] = "sss",
	[OP_NAME] = "ss",
	[OP_PERSONALITY] = "u",
	[OP_CTTY] = "uuu",
	[OP_CWD] = "l",
	[OP_EXECVP] = "lls",
	[OP_M_REPLY] = "ss",
	[OP_M_FREEZER] = "su",
	[OP_M_KILL] = "ss",
	[OP_M_CGROUP] = "s",
	[OP_M_SELFCG] = "ss",
	[OP_M_SIGNALS] = "uuu",
	[OP_M_NOTIFY] = "ss",
	[OP_M_PIDFILE] = "s",
	[OP_M_CONSOLE] = "uusuu",
	[OP_M_GO] = "uull",
	[OP_M_RMDIR] = "s",
	[OP_CGJOIN] = "u",
	[OP_M_DELLINK] = "s",
	[OP_M_RECORD] = "ssu",
	[OP_M_GOCMD] = "s",
	[OP_M_HOLD] = "u",
};

static uint16_t rd16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* kind_ok checks one argument's bytes (len bytes at p, NUL at p[len]). */
static int kind_ok(char kind, const unsigned char *p, uint32_t len)
{
	switch (kind) {
	case 'u':
		return len == 8;
	case 's':
		return memchr(p, 0, len) == NULL;
	case 'l':
		/* Empty, or every element NUL-terminated (the last byte is NUL). */
		return len == 0 || p[len - 1] == 0;
	case 'b':
		return 1;
	}
	return 0;
}

/*
 * walk checks the ops after the header. With p == NULL it only counts the
 * arguments (into *nargs); otherwise it fills p->ops and p->args.
 */
static int walk(const unsigned char *buf, size_t len, uint32_t nops, struct plan *p, size_t *nargs,
		char *err, size_t errlen)
{
	size_t off = PLAN_HEADER_SIZE, argi = 0;

	for (uint32_t i = 0; i < nops; i++) {
		if (len - off < PLAN_OP_HEADER_SIZE) {
			snprintf(err, errlen, "operation %u: truncated header", i);
			return -1;
		}
		uint16_t type = rd16(buf + off), flags = rd16(buf + off + 2);
		uint32_t n = rd32(buf + off + 4);
		uint64_t size = rd64(buf + off + 8);
		off += PLAN_OP_HEADER_SIZE;
		if (type == 0 || type >= OP_MAX || !op_schema[type]) {
			snprintf(err, errlen, "operation %u: unknown type %u", i, type);
			return -1;
		}
		const char *schema = op_schema[type];
		if (n != strlen(schema)) {
			snprintf(err, errlen, "operation %u (type %u): %u arguments, want %zu", i, type, n,
				 strlen(schema));
			return -1;
		}
		if (size > len - off) {
			snprintf(err, errlen, "operation %u: size %llu past the end", i, (unsigned long long)size);
			return -1;
		}
		size_t end = off + (size_t)size;
		if (p) {
			p->ops[i].type = type;
			p->ops[i].flags = flags;
			p->ops[i].nargs = n;
			p->ops[i].a = p->args + argi;
		}
		for (uint32_t j = 0; j < n; j++) {
			if (end - off < 4) {
				snprintf(err, errlen, "operation %u: argument %u truncated", i, j);
				return -1;
			}
			uint32_t alen = rd32(buf + off);
			off += 4;
			/* alen bytes and the NUL must fit in what is left of the op. */
			if ((size_t)alen >= end - off || buf[off + alen] != 0 ||
			    !kind_ok(schema[j], buf + off, alen)) {
				snprintf(err, errlen, "operation %u (type %u): bad argument %u", i, type, j);
				return -1;
			}
			if (p) {
				p->args[argi].p = (const char *)buf + off;
				p->args[argi].len = alen;
			}
			argi++;
			off += (size_t)alen + 1;
		}
		if (off != end) {
			snprintf(err, errlen, "operation %u: %zu stray bytes", i, end - off);
			return -1;
		}
	}
	if (off != len) {
		snprintf(err, errlen, "%zu bytes after the last operation", len - off);
		return -1;
	}
	if (nargs)
		*nargs = argi;
	return 0;
}

int plan_decode(const unsigned char *buf, size_t len, struct plan *p, char *err, size_t errlen)
{
	size_t nargs = 0;

	memset(p, 0, sizeof(*p));
	if (len < PLAN_HEADER_SIZE) {
		snprintf(err, errlen, "plan of %zu bytes is shorter than its header", len);
		return -1;
	}
	if (rd32(buf) != PLAN_MAGIC || rd16(buf + 6) != 0 || rd32(buf + 12) != 0) {
		snprintf(err, errlen, "not a plan");
		return -1;
	}
	if (rd16(buf + 4) != PLAN_VERSION) {
		snprintf(err, errlen, "plan version %u, this supervisor reads %u", rd16(buf + 4), PLAN_VERSION);
		return -1;
	}
	if (rd64(buf + 16) != len) {
		snprintf(err, errlen, "plan says %llu bytes, got %zu", (unsigned long long)rd64(buf + 16), len);
		return -1;
	}
	uint32_t nops = rd32(buf + 8);
	/* Each op takes at least its header: bounds the allocation. */
	if (nops > (len - PLAN_HEADER_SIZE) / PLAN_OP_HEADER_SIZE) {
		snprintf(err, errlen, "%u operations cannot fit in %zu bytes", nops, len);
		return -1;
	}
	if (walk(buf, len, nops, NULL, &nargs, err, errlen) < 0)
		return -1;
	p->ops = calloc(nops ? nops : 1, sizeof(*p->ops));
	p->args = calloc(nargs ? nargs : 1, sizeof(*p->args));
	if (!p->ops || !p->args) {
		plan_free(p);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->nops = nops;
	/* The second walk cannot fail: it reads what the first one checked. */
	return walk(buf, len, nops, p, NULL, err, errlen);
}

void plan_free(struct plan *p)
{
	free(p->ops);
	free(p->args);
	p->ops = NULL;
	p->args = NULL;
	p->nops = 0;
}

const char *plan_schema(int type)
{
	return type > 0 && type < OP_MAX ? op_schema[type] : NULL;
}

uint64_t arg_u64(const struct op *o, uint32_t i)
{
	uint64_t v;

	memcpy(&v, o->a[i].p, sizeof(v));
	return v;
}
