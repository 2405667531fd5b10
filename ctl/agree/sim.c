// SPDX-License-Identifier: GPL-2.0
/* The simulator's engine: event queue, clocks, network, faults. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"
#include "wire.h"

#define BILLION ((int64_t)1000000000)

/* splitmix64 */
uint64_t sim_rand(struct sim *s, uint64_t bound)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return bound ? z % bound : z;
}

static bool chance_ppm(struct sim *s, uint32_t ppm)
{
	return ppm && sim_rand(s, 1000000) < ppm;
}

int64_t clock_local(const struct sim_node *x, int64_t real)
{
	__int128 d = real - x->clk_real;

	return x->clk_local + (int64_t)(d + d * x->clk_ppb / BILLION);
}

/* The first real time at which the local clock reads at least `local`. */
int64_t clock_real(const struct sim_node *x, int64_t local)
{
	__int128 d = local - x->clk_local;
	int64_t t;

	if (d <= 0)
		return x->clk_real;
	t = x->clk_real + (int64_t)(d * BILLION / (BILLION + x->clk_ppb));
	while (clock_local(x, t) < local)
		t++;
	while (t > x->clk_real && clock_local(x, t - 1) >= local)
		t--;
	return t;
}

int64_t sim_local(const struct sim *s, unsigned int i)
{
	return clock_local(&s->node[i], s->now);
}

const char *sim_epoch_str(uint64_t e, char buf[32])
{
	snprintf(buf, 32, "%" PRIu32 ".%" PRIu32, AGREE_EPOCH_ROUND(e),
		 AGREE_EPOCH_NODE(e));
	return buf;
}

void sim_trace(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->p.trace)
		return;
	fprintf(s->p.trace, "%4" PRId64 ".%06" PRId64 " ", s->now / BILLION,
		s->now % BILLION / 1000);
	va_start(ap, fmt);
	vfprintf(s->p.trace, fmt, ap);
	va_end(ap);
	fputc('\n', s->p.trace);
}

/* ---- event queue ---- */

int sim_node_of(const struct sim *s, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->p.cfg.member[i].id == id)
			return i;
	return -1;
}

static bool ev_before(const struct sim *s, unsigned int a, unsigned int b)
{
	const struct sim_ev *x = &s->pool[a], *y = &s->pool[b];

	return x->at < y->at || (x->at == y->at && x->seq < y->seq);
}

static int grow(struct sim *s)
{
	unsigned int cap = s->cap ? 2 * s->cap : 1024, i;
	struct sim_ev *pool = realloc(s->pool, cap * sizeof(*pool));
	unsigned int *heap, *fl;

	if (!pool)
		return -ENOMEM;
	s->pool = pool;
	heap = realloc(s->heap, cap * sizeof(*heap));
	if (!heap)
		return -ENOMEM;
	s->heap = heap;
	fl = realloc(s->free_list, cap * sizeof(*fl));
	if (!fl)
		return -ENOMEM;
	s->free_list = fl;
	for (i = s->cap; i < cap; i++)
		s->free_list[s->n_free++] = i;
	s->cap = cap;
	return 0;
}

static struct sim_ev *ev_push(struct sim *s, int64_t at, int kind,
			      unsigned int node)
{
	unsigned int idx, k, up;
	struct sim_ev *ev;

	if (!s->n_free && grow(s)) {
		fprintf(stderr, "sim: out of memory\n");
		exit(2);
	}
	idx = s->free_list[--s->n_free];
	ev = &s->pool[idx];
	ev->at = at;
	ev->seq = s->seq++;
	ev->kind = kind;
	ev->node = node;
	for (k = s->n_heap++; k > 0; k = up) {
		up = (k - 1) / 2;
		if (!ev_before(s, idx, s->heap[up]))
			break;
		s->heap[k] = s->heap[up];
	}
	s->heap[k] = idx;
	return ev;
}

static unsigned int ev_pop(struct sim *s)
{
	unsigned int top = s->heap[0], last = s->heap[--s->n_heap];
	unsigned int k = 0, c;

	for (;;) {
		c = 2 * k + 1;
		if (c >= s->n_heap)
			break;
		if (c + 1 < s->n_heap && ev_before(s, s->heap[c + 1], s->heap[c]))
			c++;
		if (!ev_before(s, s->heap[c], last))
			break;
		s->heap[k] = s->heap[c];
		k = c;
	}
	if (s->n_heap)
		s->heap[k] = last;
	s->free_list[s->n_free++] = top;
	return top;
}

/* ---- nodes ---- */

static void schedule_tick(struct sim *s, unsigned int i)
{
	struct sim_node *x = &s->node[i];
	int64_t d = agree_next_deadline(&x->a), at;

	if (d == AGREE_NEVER)
		return;
	at = clock_real(x, d);
	if (at < s->now)
		at = s->now;
	at += sim_rand(s, s->p.tick_jitter + 1);
	if (x->tick_at <= at)
		return;
	x->tick_at = at;
	ev_push(s, at, EV_TICK, i)->gen = ++x->tick_gen;
}

/* Everything goes through the wire encoding, as it will in the daemon. */
static void send(struct sim *s, unsigned int from, const struct agree_msg *sent)
{
	unsigned char buf[AGREE_WIRE_MAX];
	struct agree_msg wire, *m = &wire;
	char eb[32];
	int len = agree_wire_encode(sent, buf, sizeof(buf));

	if (len < 0 || agree_wire_decode(buf, len, &wire) ||
	    memcmp(&wire, sent, offsetof(struct agree_msg, view)) ||
	    memcmp(wire.view, sent->view, wire.n_view * sizeof(wire.view[0]))) {
		sim_violation(s, PROP_CONSISTENT,
			      "n%u sent a message the wire encoding alters",
			      from + 1);
		return;
	}
	unsigned int j, copies;
	int64_t span;

	char to[16] = "all";

	if (m->to)
		snprintf(to, sizeof(to), "n%d", sim_node_of(s, m->to) + 1);
	sim_trace(s, "n%u -> %s %s e=%s%s", from + 1, to,
		  agree_msg_name(m->type),
		  sim_epoch_str(m->epoch, eb), m->flags & AGREE_F_OK ? " ok" : "");
	s->messages++;
	if (m->type < __AGREE_MSG_MAX)
		s->sent[m->type]++;
	if (m->type == AGREE_MSG_PREVOTE) {
		s->node[from].pv_at = s->now;
		s->node[from].pv_norank = m->flags & AGREE_F_NORANK;
	}
	for (j = 0; j < s->n; j++) {
		if (j == from || (m->to && m->to != s->p.cfg.member[j].id))
			continue;
		if (!s->link_up[from][j] || chance_ppm(s, s->p.loss_ppm))
			continue;
		if (m->type < __AGREE_MSG_MAX && s->drop_left[m->type]) {
			s->drop_left[m->type]--;
			sim_trace(s, "n%u -> n%u %s lost (sim_drop)", from + 1,
				  j + 1, agree_msg_name(m->type));
			continue;
		}
		copies = 1 + chance_ppm(s, s->p.dup_ppm);
		while (copies--) {
			span = s->p.delay_max - s->p.delay_min;
			ev_push(s, s->now + s->p.delay_min + sim_rand(s, span + 1) +
				s->link_delay[from][j], EV_DELIVER, j)->msg = *m;
		}
	}
}

/*
 * The kernel's connections through role changes: a fenced primary's are
 * suspended (or, lapse_drops, all marked unprotected at a lapse); followed
 * by another primary they are refilled (at once, here); a re-elected node
 * resumes them when the quorum's prior proves nobody reigned since its
 * fence, or resets them.
 */
static void kernel_role(struct sim *s, unsigned int i, const struct agree_out *o)
{
	struct sim_node *x = &s->node[i];
	unsigned int j;

	switch (o->type) {
	case AGREE_OUT_FENCED:
		if (o->reason == AGREE_FENCE_LAPSED && s->p.lapse_drops &&
		    x->conns) {
			sim_trace(s, "! conns n%u 0 (lease lapsed)", i + 1);
			x->conns = 0;
			x->conns_since = s->now;
		} else if (x->conns) {
			x->susp = o->epoch;
		}
		break;
	case AGREE_OUT_BACKUP:
		x->susp = 0;
		break;
	case AGREE_OUT_PRIMARY:
		if (x->susp && o->prior >= x->susp && x->conns) {
			sim_trace(s, "! conns n%u 0 (suspended, reset)", i + 1);
			x->conns = 0;
			x->conns_since = s->now;
			s->resets++;
		}
		x->susp = 0;
		break;
	default:
		break;
	}
	/* a reign or a promise of node i may change what a fenced one keeps */
	for (j = 0; j < s->n; j++)
		if (j == i || s->node[j].susp)
			conns_note(s, j);
}

/* Take every output of node i, in order, checking each. */
static void drain(struct sim *s, unsigned int i)
{
	struct sim_node *x = &s->node[i];
	struct agree_out o;

	while (agree_pop(&x->a, &o)) {
		check_out(s, i, &o);
		if (o.type == AGREE_OUT_SEND)
			send(s, i, &o.msg);
		kernel_role(s, i, &o);
	}
	check_node(s, i);
	schedule_tick(s, i);
}

/* What the core reads when it votes: the kernel's count now. */
static uint32_t read_conns(void *arg)
{
	const struct sim_node *x = arg;
	uint64_t seen = x->read_old_prior ?
			agree_prior(&x->a, x->a.cfg.self_id) :
			agree_seen_other(&x->a);

	return x->susp && seen >= x->susp ? 0 : x->conns;
}

/* The daemon's periodic count (conns-interval). */
static void push_conns(struct sim *s, unsigned int i, int64_t local)
{
	struct sim_node *x = &s->node[i];

	if (s->p.conns_interval && s->now < x->conns_next)
		return;
	x->conns_next = s->now + s->p.conns_interval;
	if (x->a.conns != x->conns)
		agree_set_conns(&x->a, local, x->conns);
}

/* The environment as the daemon would observe it before acting. */
static void sync_env(struct sim *s, unsigned int i, int64_t local)
{
	struct sim_node *x = &s->node[i];

	if (x->a.healthy != x->healthy)
		agree_set_health(&x->a, local, x->healthy);
	push_conns(s, i, local);
}

static void process(struct sim *s, struct sim_ev *ev)
{
	unsigned int i = ev->node;
	struct sim_node *x = &s->node[i];
	int64_t local;
	char eb[32];

	if (ev->kind == EV_TICK) {
		if (ev->gen != x->tick_gen)
			return;
		x->tick_at = AGREE_NEVER;
	}
	if (!x->up)
		return;
	if (x->stall_until > s->now) {
		if (ev->kind == EV_TICK) {
			x->tick_at = x->stall_until;
			ev_push(s, x->stall_until, EV_TICK, i)->gen = ++x->tick_gen;
		} else {
			ev_push(s, x->stall_until, EV_DELIVER, i)->msg = ev->msg;
		}
		return;
	}
	local = clock_local(x, s->now);
	sync_env(s, i, local);
	if (ev->kind == EV_TICK) {
		agree_tick(&x->a, local);
	} else {
		sim_trace(s, "n%u <- n%u %s e=%s%s", i + 1,
			  sim_node_of(s, ev->msg.from) + 1,
			  agree_msg_name(ev->msg.type),
			  sim_epoch_str(ev->msg.epoch, eb),
			  ev->msg.flags & AGREE_F_OK ? " ok" : "");
		check_delivery(s, i, &ev->msg);
		agree_recv(&x->a, local, &ev->msg);
	}
	drain(s, i);
}

void sim_run_until(struct sim *s, int64_t t)
{
	struct sim_ev ev;

	while (!s->failed && s->n_heap && s->pool[s->heap[0]].at <= t) {
		ev = s->pool[ev_pop(s)];
		s->now = ev.at;
		s->events++;
		process(s, &ev);
	}
	if (!s->failed && t > s->now)
		s->now = t;
}

static void start_node(struct sim *s, unsigned int i)
{
	struct sim_node *x = &s->node[i];
	struct agree_config cfg = s->p.cfg;
	int64_t local = clock_local(x, s->now);

	cfg.self_id = cfg.member[i].id;
	cfg.seed = s->p.seed * 31 + i;
	cfg.read_conns = read_conns;
	cfg.read_conns_arg = x;
	x->read_old_prior = s->p.read_old_prior;
	agree_init(&x->a, &cfg, &x->disk, local);
	x->up = true;
	x->up_since = s->now;
	x->conns_next = 0;
	x->stall_until = 0;
	x->role = AGREE_ROLE_BACKUP;
	x->tick_at = AGREE_NEVER;
	x->tick_gen++;
	sync_env(s, i, local);
	drain(s, i);
}

int sim_init(struct sim *s, const struct sim_params *p)
{
	unsigned int i, j;
	int err;

	memset(s, 0, sizeof(*s));
	s->p = *p;
	s->n = p->cfg.n_members;
	s->rng = p->seed;
	s->net_clean_since = !p->loss_ppm && 2 * p->delay_max < p->cfg.stagger ?
			     0 : INT64_MAX;
	err = grow(s);
	if (err)
		return err;
	for (i = 0; i < s->n; i++) {
		struct sim_node *x = &s->node[i];

		for (j = 0; j < s->n; j++)
			s->link_up[i][j] = true;
		x->healthy = true;
		x->clk_real = 0;
		x->clk_local = sim_rand(s, 1ULL << 50);
		x->clk_ppb = p->clock_ppb ?
			(int64_t)sim_rand(s, 2 * p->clock_ppb + 1) - p->clock_ppb : 0;
	}
	for (i = 0; i < s->n; i++) {
		struct agree_config cfg = p->cfg;

		cfg.self_id = cfg.member[i].id;
		err = agree_config_check(&cfg, s->fail_msg, sizeof(s->fail_msg));
		if (err)
			return err;
		start_node(s, i);
		conns_note(s, i);
	}
	return 0;
}

void sim_free(struct sim *s)
{
	free(s->pool);
	free(s->heap);
	free(s->free_list);
	s->pool = NULL;
	s->heap = s->free_list = NULL;
}

/* ---- faults ---- */

static bool awake(const struct sim *s, unsigned int i);
static void poke(struct sim *s, unsigned int i);

void sim_link(struct sim *s, unsigned int from, unsigned int to, bool up)
{
	if (from == to || s->link_up[from][to] == up)
		return;
	s->link_up[from][to] = up;
	s->link_since[from][to] = s->now;
	if (!up)
		s->link_down_at[from][to] = s->now;
	sim_trace(s, "! link n%u->n%u %s", from + 1, to + 1, up ? "up" : "down");
}

void sim_link_delay(struct sim *s, unsigned int from, unsigned int to,
		    int64_t extra)
{
	s->link_delay[from][to] = extra;
	s->link_since[from][to] = s->now;
	sim_trace(s, "! link n%u->n%u delay +%" PRId64 " us", from + 1, to + 1,
		  extra / 1000);
}

void sim_heal(struct sim *s)
{
	unsigned int i, j;

	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->n; j++)
			sim_link(s, i, j, true);
}

void sim_isolate(struct sim *s, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < s->n; j++) {
		if (j == i)
			continue;
		sim_link(s, i, j, false);
		sim_link(s, j, i, false);
	}
}

void sim_partition(struct sim *s, uint32_t side)
{
	unsigned int i, j;

	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->n; j++)
			if (!(side >> i & 1) != !(side >> j & 1))
				sim_link(s, i, j, false);
}

void sim_set_net(struct sim *s, uint32_t loss_ppm, uint32_t dup_ppm,
		 int64_t delay_min, int64_t delay_max)
{
	bool clean = !loss_ppm && 2 * delay_max < s->p.cfg.stagger;

	if (!clean)
		s->net_clean_since = INT64_MAX;
	else if (s->net_clean_since == INT64_MAX)
		s->net_clean_since = s->now;
	s->p.loss_ppm = loss_ppm;
	s->p.dup_ppm = dup_ppm;
	s->p.delay_min = delay_min;
	s->p.delay_max = delay_max;
	sim_trace(s, "! net loss=%u ppm dup=%u ppm delay=%" PRId64 "..%" PRId64
		  " us", loss_ppm, dup_ppm, delay_min / 1000, delay_max / 1000);
}

void sim_crash(struct sim *s, unsigned int i)
{
	struct sim_node *x = &s->node[i];

	if (!x->up)
		return;
	sim_trace(s, "! crash n%u", i + 1);
	x->up = false;
	x->down_at = s->now;
	x->tick_gen++;
	x->tick_at = AGREE_NEVER;
	/* A primary's lease stays in force (kernel) until it expires. */
	if (x->role != AGREE_ROLE_PRIMARY)
		x->p_open = false;
	else if (x->conns)
		x->susp = x->epoch;	/* the kernel suspends them at its lapse */
	x->role = 0;
}

void sim_restart(struct sim *s, unsigned int i, bool reboot)
{
	struct sim_node *x = &s->node[i];

	sim_crash(s, i);
	sim_trace(s, "! restart n%u%s", i + 1, reboot ? " (reboot)" : "");
	if (reboot) {
		/* The kernel went down with the node: so did its lease. */
		if (x->p_open && x->p_end > s->now)
			x->p_end = s->now;
		x->p_open = false;
		x->clk_real = s->now;
		x->clk_local = sim_rand(s, 1ULL << 50);
	}
	start_node(s, i);
}

void sim_stall(struct sim *s, unsigned int i, int64_t duration)
{
	struct sim_node *x = &s->node[i];

	if (!x->up)
		return;
	sim_trace(s, "! stall n%u for %" PRId64 " us", i + 1, duration / 1000);
	x->stall_until = s->now + duration;
	if (x->stall_end < x->stall_until)
		x->stall_end = x->stall_until;
}

void sim_resume(struct sim *s, unsigned int i)
{
	struct sim_node *x = &s->node[i];

	if (!x->up || x->stall_until <= s->now)
		return;
	sim_trace(s, "! resume n%u", i + 1);
	x->stall_until = 0;
	x->stall_end = s->now;
	x->tick_at = AGREE_NEVER;
	x->tick_gen++;
	sync_env(s, i, sim_local(s, i));
	agree_tick(&x->a, sim_local(s, i));
	drain(s, i);
}

void sim_set_rate(struct sim *s, unsigned int i, int64_t ppb)
{
	struct sim_node *x = &s->node[i];

	x->clk_local = clock_local(x, s->now);
	x->clk_real = s->now;
	x->clk_ppb = ppb;
	sim_trace(s, "! clock n%u rate %+" PRId64 " ppb", i + 1, ppb);
	check_clock_change(s, i);
	if (!x->up)
		return;
	/* Timers were set in local time: re-arm them. */
	x->tick_at = AGREE_NEVER;
	x->tick_gen++;
	if (awake(s, i))
		schedule_tick(s, i);
	else
		poke(s, i);
}

static bool awake(const struct sim *s, unsigned int i)
{
	return s->node[i].up && s->node[i].stall_until <= s->now;
}

/* Tell node i about a change of its environment, now or when it wakes. */
static void poke(struct sim *s, unsigned int i)
{
	struct sim_node *x = &s->node[i];

	if (!x->up)
		return;
	if (awake(s, i)) {
		agree_set_health(&x->a, sim_local(s, i), x->healthy);
		push_conns(s, i, sim_local(s, i));
		drain(s, i);
	} else if (x->tick_at > x->stall_until) {
		x->tick_at = x->stall_until;
		ev_push(s, x->stall_until, EV_TICK, i)->gen = ++x->tick_gen;
	}
}

void sim_set_health(struct sim *s, unsigned int i, bool healthy)
{
	sim_trace(s, "! health n%u %s", i + 1, healthy ? "ok" : "failing");
	if (s->node[i].healthy != healthy)
		s->node[i].health_since = s->now;
	s->node[i].healthy = healthy;
	poke(s, i);
}

void sim_set_conns(struct sim *s, unsigned int i, uint32_t conns)
{
	sim_trace(s, "! conns n%u %u", i + 1, conns);
	if (s->node[i].conns != conns)
		s->node[i].conns_since = s->now;
	s->node[i].conns = conns;
	conns_note(s, i);
	poke(s, i);
}

int sim_switchover(struct sim *s, unsigned int i, uint32_t target)
{
	int rc;

	if (!awake(s, i))
		return -ESRCH;
	rc = agree_request_switchover(&s->node[i].a, sim_local(s, i), target);
	sim_trace(s, "! switchover at n%u to %u: %d", i + 1, target, rc);
	drain(s, i);
	return rc;
}

void sim_drop(struct sim *s, uint8_t type, unsigned int copies)
{
	if (type < __AGREE_MSG_MAX)
		s->drop_left[type] = copies;
}

bool sim_is_primary(const struct sim *s, unsigned int i)
{
	const struct sim_node *x = &s->node[i];

	return x->up && x->role == AGREE_ROLE_PRIMARY &&
	       clock_local(x, s->now) < x->lease;
}

int sim_primary(const struct sim *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (sim_is_primary(s, i))
			return i;
	return -1;
}
