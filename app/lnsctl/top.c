/* SPDX-License-Identifier: BSD-3-Clause */
/* `lnsctl top`: rates from counter deltas. See top.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "top.h"

#define TUNNEL_IDS 65536        /* RFC 2661 3.1: tunnel ids are 16 bits */

static void
entry_from(struct top_entry *e, const struct ljson *v, const char *const keys[4])
{
	uint64_t u;

	for (int i = 0; i < 4; i++)
		e->c[i] = ljson_get_u64(v, keys[i], &u) ? u : 0;
	e->sessions = ljson_get_u64(v, "sessions", &u) && u <= INT64_MAX ? (int64_t)u : -1;
}

int
top_sample_build(struct top_sample *s, double t, const struct ljson *tunnels,
		 const struct ljson *stats)
{
	static const char *const tkeys[4] = { "up_packets", "up_bytes", "down_packets",
					      "down_bytes" };
	static const char *const pkeys[4] = { "rx_packets", "rx_bytes", "tx_packets",
					      "tx_bytes" };
	const struct ljson *ports = ljson_get(stats, "ports");

	memset(s, 0, sizeof(*s));
	s->t = t;
	if (tunnels != NULL && tunnels->type == LJSON_OBJECT && tunnels->count > 0) {
		s->tun = calloc(tunnels->count, sizeof(*s->tun));
		if (s->tun == NULL)
			return -ENOMEM;
		for (const struct ljson *m = tunnels->child; m != NULL; m = m->next) {
			struct top_entry *e = &s->tun[s->ntun];
			const char *peer = ljson_get_string(m, "peer");
			char *end;
			unsigned long id;

			if (m->type != LJSON_OBJECT)
				continue;
			id = strtoul(m->key, &end, 10);
			if (*m->key == '\0' || *end != '\0' || id == 0 || id >= TUNNEL_IDS)
				continue;       /* not a tunnel id: ignore rather than guess */
			e->id = (uint32_t)id;
			snprintf(e->name, sizeof(e->name), "%s", peer != NULL ? peer : "-");
			entry_from(e, m, tkeys);
			s->ntun++;
		}
	}
	if (ports != NULL && ports->type == LJSON_OBJECT) {
		for (const struct ljson *m = ports->child; m != NULL && s->nport < TOP_MAX_PORTS;
		     m = m->next) {
			struct top_entry *e = &s->port[s->nport];

			if (m->type != LJSON_OBJECT)
				continue;
			e->id = (uint32_t)s->nport;
			snprintf(e->name, sizeof(e->name), "%s", m->key);
			entry_from(e, m, pkeys);
			s->nport++;
		}
	}
	return 0;
}

void
top_sample_free(struct top_sample *s)
{
	free(s->tun);
	memset(s, 0, sizeof(*s));
}

static uint64_t
delta(uint64_t before, uint64_t now)
{
	return now >= before ? now - before : now;
}

static void
rate_of(struct top_rate *r, const struct top_entry *prev, const struct top_entry *cur,
	double dt)
{
	uint64_t d[4];

	for (int i = 0; i < 4; i++)
		d[i] = prev != NULL ? delta(prev->c[i], cur->c[i]) : cur->c[i];
	r->id = cur->id;
	memcpy(r->name, cur->name, sizeof(r->name));
	r->sessions = cur->sessions;
	r->pps[0] = (double)d[0] / dt;
	r->bps[0] = (double)d[1] * 8.0 / dt;
	r->pps[1] = (double)d[2] / dt;
	r->bps[1] = (double)d[3] * 8.0 / dt;
	r->total_pps = r->pps[0] + r->pps[1];
	r->total_bps = r->bps[0] + r->bps[1];
}

static int
busiest_first(const void *a, const void *b)
{
	const struct top_rate *x = a, *y = b;

	if (x->total_bps != y->total_bps)
		return x->total_bps < y->total_bps ? 1 : -1;
	if (x->total_pps != y->total_pps)
		return x->total_pps < y->total_pps ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
top_compute(const struct top_sample *prev, const struct top_sample *cur,
	    struct top_result *r)
{
	double dt = cur->t - prev->t;
	int32_t *at;

	memset(r, 0, sizeof(*r));
	if (!(dt > 0))
		return -EINVAL;
	r->dt = dt;
	for (size_t i = 0; i < cur->nport; i++) {
		const struct top_entry *p = NULL;

		for (size_t j = 0; j < prev->nport && p == NULL; j++)   /* a handful */
			if (strcmp(prev->port[j].name, cur->port[i].name) == 0)
				p = &prev->port[j];
		rate_of(&r->port[r->nport++], p, &cur->port[i], dt);
	}
	if (cur->ntun == 0)
		return 0;
	/* previous read indexed by tunnel id: O(1) per tunnel */
	at = malloc(TUNNEL_IDS * sizeof(*at));
	r->tun = calloc(cur->ntun, sizeof(*r->tun));
	if (at == NULL || r->tun == NULL) {
		free(at);
		top_result_free(r);
		return -ENOMEM;
	}
	memset(at, 0xff, TUNNEL_IDS * sizeof(*at));
	for (size_t j = 0; j < prev->ntun; j++)
		at[prev->tun[j].id] = (int32_t)j;
	for (size_t i = 0; i < cur->ntun; i++) {
		int32_t j = at[cur->tun[i].id];

		rate_of(&r->tun[i], j >= 0 ? &prev->tun[j] : NULL, &cur->tun[i], dt);
	}
	r->ntun = cur->ntun;
	free(at);
	qsort(r->tun, r->ntun, sizeof(*r->tun), busiest_first);
	return 0;
}

void
top_result_free(struct top_result *r)
{
	free(r->tun);
	r->tun = NULL;
	r->ntun = 0;
}

char *
top_fmt_rate(double v, const char *unit, char *buf, size_t size)
{
	static const char *const prefix[] = { "", "k", "M", "G", "T", "P", "E" };
	size_t k = 0;

	if (!(v >= 0))
		v = 0;
	/* one decimal below 10 at the base unit: a slow link still shows up */
	if (v < 999.5) {
		snprintf(buf, size, v < 9.95 && v != (double)(uint64_t)v ? "%.1f %s" : "%.0f %s",
			 v, unit);
		return buf;
	}
	while (v >= 999.5 && k + 1 < sizeof(prefix) / sizeof(prefix[0])) {
		v /= 1000;
		k++;
	}
	snprintf(buf, size, v < 9.995 ? "%.2f %s%s" : v < 99.95 ? "%.1f %s%s" : "%.0f %s%s",
		 v, prefix[k], unit);
	return buf;
}

enum { TC_ID, TC_PEER, TC_SESS, TC_UPP, TC_UPB, TC_DNP, TC_DNB, TC_TOT, TC_MAX };

static void
set_rate_cells(struct fmt_table *t, long row, size_t col, const struct top_rate *r)
{
	char buf[FMT_UNIT_LEN];

	fmt_table_set(t, (size_t)row, col, top_fmt_rate(r->pps[0], "pps", buf, sizeof(buf)));
	fmt_table_set(t, (size_t)row, col + 1, top_fmt_rate(r->bps[0], "bit/s", buf, sizeof(buf)));
	fmt_table_set(t, (size_t)row, col + 2, top_fmt_rate(r->pps[1], "pps", buf, sizeof(buf)));
	fmt_table_set(t, (size_t)row, col + 3, top_fmt_rate(r->bps[1], "bit/s", buf, sizeof(buf)));
}

void
top_print_table(FILE *out, const struct top_result *r, size_t top_n, double interval_s,
		unsigned int refresh)
{
	static const char *const ph[5] = { "PORT", "RX PPS", "RX RATE", "TX PPS", "TX RATE" };
	static const char *const th[TC_MAX] = { "TUNNEL", "PEER", "SESSIONS", "UP PPS",
						"UP RATE", "DOWN PPS", "DOWN RATE", "TOTAL" };
	size_t shown = r->ntun < top_n ? r->ntun : top_n;
	struct fmt_table *t;
	char buf[FMT_UNIT_LEN];

	fprintf(out, "lnsctl top  refresh %u  every %.1fs (measured %.2fs)  %zu tunnel%s, "
		"top %zu by total bit rate\n", refresh, interval_s, r->dt, r->ntun,
		r->ntun == 1 ? "" : "s", shown);
	t = fmt_table_new(5);
	if (t != NULL) {
		for (size_t c = 0; c < 5; c++)
			fmt_table_column(t, c, ph[c], c == 0 ? FMT_LEFT : FMT_RIGHT);
		for (size_t i = 0; i < r->nport; i++) {
			long row = fmt_table_add_row(t);

			if (row < 0)
				break;
			fmt_table_set(t, (size_t)row, 0, r->port[i].name);
			set_rate_cells(t, row, 1, &r->port[i]);
		}
		fputc('\n', out);
		fmt_table_print(t, out, 0);
		fmt_table_free(t);
	}
	fputc('\n', out);
	if (shown == 0) {
		fputs("no tunnels\n", out);
		return;
	}
	t = fmt_table_new(TC_MAX);
	if (t == NULL)
		return;
	for (size_t c = 0; c < TC_MAX; c++)
		fmt_table_column(t, c, th[c], c == TC_PEER ? FMT_LEFT : FMT_RIGHT);
	for (size_t i = 0; i < shown; i++) {
		const struct top_rate *x = &r->tun[i];
		long row = fmt_table_add_row(t);

		if (row < 0)
			break;
		snprintf(buf, sizeof(buf), "%" PRIu32, x->id);
		fmt_table_set(t, (size_t)row, TC_ID, buf);
		fmt_table_set(t, (size_t)row, TC_PEER, x->name);
		if (x->sessions >= 0)
			snprintf(buf, sizeof(buf), "%" PRId64, x->sessions);
		else
			snprintf(buf, sizeof(buf), "-");
		fmt_table_set(t, (size_t)row, TC_SESS, buf);
		set_rate_cells(t, row, TC_UPP, x);
		fmt_table_set(t, (size_t)row, TC_TOT,
			      top_fmt_rate(x->total_bps, "bit/s", buf, sizeof(buf)));
	}
	fmt_table_print(t, out, 0);
	fmt_table_free(t);
}

static void
json_rates(FILE *out, const struct top_rate *r, const char *in, const char *outw)
{
	fprintf(out, "\"%s_pps\":%.3f,\"%s_bps\":%.3f,\"%s_pps\":%.3f,\"%s_bps\":%.3f", in,
		r->pps[0], in, r->bps[0], outw, r->pps[1], outw, r->bps[1]);
}

void
top_print_json(FILE *out, const struct top_result *r, size_t top_n, double interval_s,
	       unsigned int refresh)
{
	size_t shown = r->ntun < top_n ? r->ntun : top_n;

	fprintf(out, "{\"refresh\":%u,\"interval_s\":%.3f,\"dt_s\":%.6f,\"ports\":{", refresh,
		interval_s, r->dt);
	for (size_t i = 0; i < r->nport; i++) {
		if (i > 0)
			fputc(',', out);
		ljson_write_string(out, r->port[i].name, strlen(r->port[i].name));
		fputs(":{", out);
		json_rates(out, &r->port[i], "rx", "tx");
		fputc('}', out);
	}
	fprintf(out, "},\"tunnels_total\":%zu,\"tunnels\":[", r->ntun);
	for (size_t i = 0; i < shown; i++) {
		const struct top_rate *x = &r->tun[i];

		fprintf(out, "%s{\"tunnel\":%" PRIu32 ",\"peer\":", i > 0 ? "," : "", x->id);
		ljson_write_string(out, x->name, strlen(x->name));
		if (x->sessions >= 0)
			fprintf(out, ",\"sessions\":%" PRId64, x->sessions);
		fputc(',', out);
		json_rates(out, x, "up", "down");
		fprintf(out, ",\"total_pps\":%.3f,\"total_bps\":%.3f}", x->total_pps,
			x->total_bps);
	}
	fputs("]}\n", out);
}
