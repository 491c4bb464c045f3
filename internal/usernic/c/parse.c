/*
 * parse.c: the parsers of lxc-user-nic. No system calls, no allocation:
 * each function reads a (buffer, length) pair and fills fixed-size
 * outputs, so the fuzz tests can hand them any bytes.
 */

#include <limits.h>
#include <string.h>

#include "usernic.h"

/* is_blank is the separator of both file formats: space or tab. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool un_valid_ifname(const char *s, size_t len, bool allow_format)
{
	bool seen_format = false;

	/* The kernel's dev_valid_name: non-empty, shorter than IFNAMSIZ. */
	if (len == 0 || len >= UN_IFNAMSIZ)
		return false;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* '/' and ':' are refused by the kernel; blanks and control
		 * characters would corrupt our one-line-per-NIC database. */
		if (c == '/' || c == ':' || c <= ' ' || c == 0x7f)
			return false;
		if (c == '%') {
			/* Only one "%d", as in "eth%d". */
			if (!allow_format || seen_format || i + 1 >= len || s[i + 1] != 'd')
				return false;
			seen_format = true;
			i++;
		}
	}
	return true;
}

bool un_parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		/* Overflow check before the multiplication. */
		if (v > (max - (unsigned long)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * next_field finds the field starting at *pos (after blanks when
 * skip_blanks) and moves *pos after it. Returns its length (0: none).
 */
static size_t next_field(const char *line, size_t len, size_t *pos, bool skip_blanks, const char **start)
{
	size_t i = *pos;

	if (skip_blanks)
		while (i < len && is_blank(line[i]))
			i++;
	*start = line + i;
	size_t b = i;
	while (i < len && !is_blank(line[i]) && line[i] != '\n' && line[i] != '\0')
		i++;
	*pos = i;
	return i - b;
}

/* copy_field copies a field into a UN_FIELD_MAX buffer; false if too long. */
static bool copy_field(char *dst, const char *src, size_t n)
{
	if (n == 0 || n >= UN_FIELD_MAX)
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	/* A NUL inside the field would make the name compare shorter. */
	return strlen(dst) == n;
}

bool un_parse_usernet(const char *line, size_t len, struct un_usernet *e)
{
	const char *f;
	size_t pos = 0, n;
	unsigned long count = 0;
	size_t digits = 0;

	memset(e, 0, sizeof(*e));
	if (len == 0 || line[0] == '#' || is_blank(line[0]))
		return false;

	/* user or @group: must start the line (as %[^ \t] does). */
	n = next_field(line, len, &pos, false, &f);
	if (!copy_field(e->name, f, n))
		return false;
	n = next_field(line, len, &pos, true, &f);
	if (!copy_field(e->type, f, n))
		return false;
	n = next_field(line, len, &pos, true, &f);
	if (!copy_field(e->link, f, n))
		return false;

	/* The count: like %d, but only 0..INT_MAX; text after it is ignored. */
	while (pos < len && is_blank(line[pos]))
		pos++;
	if (pos < len && line[pos] == '+')
		pos++;
	while (pos < len && line[pos] >= '0' && line[pos] <= '9') {
		count = count * 10 + (unsigned long)(line[pos] - '0');
		if (count > INT_MAX)
			return false;
		pos++;
		digits++;
	}
	if (digits == 0)
		return false;
	e->count = (int)count;
	return true;
}

bool un_parse_db(const char *line, size_t len, struct un_dbline *d)
{
	size_t pos = 0;
	struct un_span *fields[4] = { &d->owner, &d->type, &d->link, &d->nic };

	memset(d, 0, sizeof(*d));
	while (pos < len && is_blank(line[pos]))
		pos++;
	if (pos >= len || line[pos] == '#')
		return false;
	for (int i = 0; i < 4; i++) {
		const char *f;
		size_t n = next_field(line, len, &pos, true, &f);

		if (n == 0)
			return false;
		fields[i]->p = f;
		fields[i]->len = n;
	}
	return un_valid_ifname(d->nic.p, d->nic.len, false);
}

bool un_span_eq(struct un_span s, const char *w)
{
	size_t n = strlen(w);

	return s.len == n && memcmp(s.p, w, n) == 0;
}

/* colon_field returns the idx-th ':' separated field of a line. */
static bool colon_field(const char *line, size_t len, int idx, struct un_span *out)
{
	size_t start = 0;
	int field = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || line[i] == ':' || line[i] == '\n') {
			if (field == idx) {
				out->p = line + start;
				out->len = i - start;
				return true;
			}
			if (i == len || line[i] == '\n')
				return false;
			field++;
			start = i + 1;
		}
	}
	return false;
}

/* id_name is the common part of the passwd and group readers. */
static bool id_name(const char *line, size_t len, unsigned long id, char *out, size_t outsz)
{
	struct un_span name, idf;
	unsigned long v;

	if (outsz == 0 || len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
		return false;
	if (!colon_field(line, len, 0, &name) || !colon_field(line, len, 2, &idf))
		return false;
	if (name.len == 0 || name.len >= outsz || memchr(name.p, '\0', name.len))
		return false;
	if (!un_parse_uint(idf.p, idf.len, 0xffffffffUL, &v) || v != id)
		return false;
	memcpy(out, name.p, name.len);
	out[name.len] = '\0';
	return true;
}

bool un_passwd_name(const char *line, size_t len, unsigned long id, char *out, size_t outsz)
{
	return id_name(line, len, id, out, outsz);
}

bool un_group_name(const char *line, size_t len, unsigned long id, char *out, size_t outsz)
{
	return id_name(line, len, id, out, outsz);
}

size_t un_next_line(const char *buf, size_t len, size_t *next)
{
	const char *nl = memchr(buf, '\n', len);

	if (!nl) {
		*next = len;
		return len;
	}
	*next = (size_t)(nl - buf) + 1;
	return (size_t)(nl - buf);
}

void un_host_nic_name(unsigned long uid, const unsigned char *rnd, size_t nrnd, char *out)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char prefix[UN_IFNAMSIZ];
	size_t nx, plen, i;

	/* LXC's schema: the uid in the name when it fits (62^4 names each). */
	if (uid > 0 && uid <= 65536) {
		/* "veth" + up to 5 digits + "_": at most 10 bytes. */
		char digits[8];
		size_t nd = 0;
		unsigned long u = uid;

		while (u > 0 && nd < sizeof(digits)) {
			digits[nd++] = (char)('0' + u % 10);
			u /= 10;
		}
		memcpy(prefix, "veth", 4);
		plen = 4;
		while (nd > 0)
			prefix[plen++] = digits[--nd];
		prefix[plen++] = '_';
		nx = 4;
	} else {
		memcpy(prefix, "veth", 4);
		plen = 4;
		nx = 6;
	}
	memcpy(out, prefix, plen);
	for (i = 0; i < nx; i++)
		out[plen + i] = alnum[(i < nrnd ? rnd[i] : 0) % (sizeof(alnum) - 1)];
	out[plen + nx] = '\0';
}
