// SPDX-License-Identifier: GPL-2.0
/* Wire encoding of agreement messages; see wire.h for the layout. */
#include <errno.h>
#include <string.h>

#include "wire.h"

static unsigned char *put(unsigned char *p, uint64_t v, unsigned int bytes)
{
	while (bytes--)
		*p++ = v >> (8 * bytes);
	return p;
}

static const unsigned char *get(const unsigned char *p, uint64_t *v,
				unsigned int bytes)
{
	*v = 0;
	while (bytes--)
		*v = *v << 8 | *p++;
	return p;
}

int agree_wire_encode(const struct agree_msg *m, unsigned char *buf,
		      size_t len)
{
	size_t need = AGREE_WIRE_HDR + (size_t)m->n_view * AGREE_WIRE_ENTRY;
	unsigned char *p = buf;
	unsigned int i;

	if (!m->type || m->type >= __AGREE_MSG_MAX ||
	    m->n_view > AGREE_MAX_MEMBERS)
		return -EINVAL;
	if (len < need)
		return -EMSGSIZE;
	p = put(p, AGREE_WIRE_VERSION, 1);
	p = put(p, m->type, 1);
	p = put(p, m->flags, 1);
	p = put(p, m->n_view, 1);
	p = put(p, m->from, 4);
	p = put(p, m->to, 4);
	p = put(p, m->epoch, 8);
	p = put(p, m->promised, 8);
	p = put(p, (uint64_t)m->stamp, 8);
	p = put(p, m->conns, 4);
	for (i = 0; i < m->n_view; i++) {
		p = put(p, m->view[i].id, 4);
		p = put(p, m->view[i].conns, 4);
		p = put(p, m->view[i].flags, 1);
	}
	return p - buf;
}

int agree_wire_decode(const unsigned char *buf, size_t len,
		      struct agree_msg *m)
{
	const unsigned char *p = buf;
	unsigned int i;
	uint64_t v;

	memset(m, 0, sizeof(*m));
	if (len < AGREE_WIRE_HDR)
		return -EINVAL;
	if (buf[0] != AGREE_WIRE_VERSION)
		return -EPROTONOSUPPORT;
	m->type = buf[1];
	m->flags = buf[2];
	m->n_view = buf[3];
	if (!m->type || m->type >= __AGREE_MSG_MAX ||
	    m->n_view > AGREE_MAX_MEMBERS ||
	    len != AGREE_WIRE_HDR + (size_t)m->n_view * AGREE_WIRE_ENTRY)
		return -EINVAL;
	p += 4;
	p = get(p, &v, 4);
	m->from = v;
	p = get(p, &v, 4);
	m->to = v;
	p = get(p, &m->epoch, 8);
	p = get(p, &m->promised, 8);
	p = get(p, &v, 8);
	m->stamp = (int64_t)v;
	p = get(p, &v, 4);
	m->conns = v;
	for (i = 0; i < m->n_view; i++) {
		p = get(p, &v, 4);
		m->view[i].id = v;
		p = get(p, &v, 4);
		m->view[i].conns = v;
		p = get(p, &v, 1);
		m->view[i].flags = v;
	}
	return 0;
}
