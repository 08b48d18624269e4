/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The traffic plan: the same SAs, tunnels, sessions and subscriber addresses that
 * lib/ctl/ctl_static.c provisions from the config's `static:` section. Any change
 * to the derivation there must be made here too (test_trafgen checks the rules).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trafgen.h"

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int
sa_index(const struct lns_static_conf *sc, const char *name)
{
	for (uint16_t i = 0; i < sc->n_sas; i++)
		if (strcmp(sc->sas[i].name, name) == 0)
			return i;
	return -1;
}

static int
pool_index(const struct lns_ppp_conf *ppp, const char *name)
{
	if (name[0] == '\0')
		name = ppp->default_pool;
	for (uint16_t i = 0; i < ppp->n_pools; i++)
		if (strcmp(ppp->pools[i].name, name) == 0)
			return i;
	return -1;
}

static uint32_t
mask_of(uint8_t len)
{
	return htonl(len == 0 ? 0 : ~0u << (32 - len));
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct next hops of the tunnels on the access side, as lnsd resolves them
 * (lib/ctl/ctl.c resolve_tunnels): the peer on the connected subnet, else the gateway. */
static int
collect_nexthops(struct tg_plan *p)
{
	uint32_t n = 0;

	p->nexthops = calloc(p->n_sess + 1, sizeof(uint32_t));
	if (p->nexthops == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->n_sess; i++) {
		uint32_t peer = p->sess[i].peer;
		uint32_t nh = (peer & p->acc_mask) == (p->acc_addr & p->acc_mask) ? peer : p->acc_gw;

		if (nh != 0)
			p->nexthops[n++] = ntohl(nh);
	}
	qsort(p->nexthops, n, sizeof(uint32_t), cmp_u32);
	p->n_nexthops = 0;
	for (uint32_t i = 0; i < n; i++)
		if (p->n_nexthops == 0 || p->nexthops[p->n_nexthops - 1] != p->nexthops[i])
			p->nexthops[p->n_nexthops++] = p->nexthops[i];
	for (uint32_t i = 0; i < p->n_nexthops; i++)
		p->nexthops[i] = htonl(p->nexthops[i]);
	return 0;
}

/* Group sessions by client (counting sort: O(n), no scans per client). */
static int
group_clients(struct tg_plan *p)
{
	uint32_t *fill;

	p->client_first = calloc(p->n_clients + 1, sizeof(uint32_t));
	p->client_count = calloc(p->n_clients + 1, sizeof(uint32_t));
	p->order = calloc(p->n_sess + 1, sizeof(uint32_t));
	fill = calloc(p->n_clients + 1, sizeof(uint32_t));
	if (p->client_first == NULL || p->client_count == NULL || p->order == NULL ||
	    fill == NULL) {
		free(fill);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < p->n_sess; i++)
		p->client_count[p->sess[i].client]++;
	for (uint32_t c = 1; c < p->n_clients; c++)
		p->client_first[c] = p->client_first[c - 1] + p->client_count[c - 1];
	for (uint32_t i = 0; i < p->n_sess; i++) {
		uint32_t c = p->sess[i].client;

		p->order[p->client_first[c] + fill[c]++] = i;
	}
	free(fill);
	return 0;
}

int
tg_plan_build(const struct lns_conf *conf, int alg_filter, struct tg_plan *p,
	      char *err, size_t errlen)
{
	const struct lns_static_conf *sc = &conf->stat;
	uint32_t sa_base[LNS_CONF_MAX_STATIC] = { 0 };
	uint32_t cursor[LNS_CONF_MAX_POOLS] = { 0 };   /* host order; 0 = not started */
	uint64_t n_sas = 0, n_sess = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	p->acc_addr = conf->ports[LNS_PORT_ACCESS].address.addr;
	p->acc_mask = mask_of(conf->ports[LNS_PORT_ACCESS].address.len);
	p->acc_gw = conf->ports[LNS_PORT_ACCESS].gateway;
	p->core_addr = conf->ports[LNS_PORT_CORE].address.addr;
	p->core_mask = mask_of(conf->ports[LNS_PORT_CORE].address.len);
	p->core_gw = conf->ports[LNS_PORT_CORE].gateway;

	for (uint16_t i = 0; i < sc->n_sas; i++) {
		sa_base[i] = (uint32_t)n_sas;
		n_sas += sc->sas[i].count;
	}
	for (uint16_t j = 0; j < sc->n_tunnels; j++)
		n_sess += (uint64_t)sc->tunnels[j].count * sc->tunnels[j].sessions;
	if (n_sas > 16u << 20 || n_sess > 16u << 20)
		return fail(err, errlen, -E2BIG, "static: more than 16M SAs or sessions");
	p->sas = calloc(n_sas + 1, sizeof(*p->sas));
	p->sess = calloc(n_sess + 1, sizeof(*p->sess));
	if (p->sas == NULL || p->sess == NULL) {
		tg_plan_free(p);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	p->n_sas = (uint32_t)n_sas;
	for (uint16_t i = 0; i < sc->n_sas; i++) {
		const struct lns_static_sa *c = &sc->sas[i];

		for (uint32_t k = 0; k < c->count; k++) {
			struct tg_sa *s = &p->sas[sa_base[i] + k];

			s->spi = c->spi_in + k;
			s->peer = htonl(ntohl(c->peer) + k);
			s->udp_encap = c->udp_encap;
			s->sport = (uint16_t)(c->peer_port + (c->udp_encap ? k : 0));
			s->mode = c->mode;
			s->alg = c->alg;
			s->key = c->key_in;
			s->key_len = c->key_in_len;
			s->auth_key = c->auth_key_in;
			s->auth_key_len = c->auth_key_in_len;
		}
	}

	/* Clients: SA copies first (index = SA index), then plain tunnel copies. */
	p->n_clients = p->n_sas;
	for (uint16_t j = 0; j < sc->n_tunnels; j++) {
		const struct lns_static_tunnel *c = &sc->tunnels[j];
		int sai = c->sa[0] ? sa_index(sc, c->sa) : -1;
		int pi = pool_index(&conf->ppp, c->pool);
		bool keep;

		if (pi < 0) {
			tg_plan_free(p);
			return fail(err, errlen, -EINVAL, "static.tunnels[%u]: no pool", j);
		}
		if (c->sa[0] && (sai < 0 || sc->sas[sai].count < c->count)) {
			tg_plan_free(p);
			return fail(err, errlen, -EINVAL, "static.tunnels[%u]: SA '%s' missing or "
				    "with fewer copies than the tunnel", j, c->sa);
		}
		keep = sai >= 0 ? (alg_filter < 0 || sc->sas[sai].alg == alg_filter) :
				  alg_filter < 0;
		for (uint32_t k = 0; k < c->count; k++) {
			uint32_t client = sai >= 0 ? sa_base[sai] + k : p->n_clients++;

			for (uint32_t s = 1; s <= c->sessions; s++) {
				const struct lns_pool_conf *pool = &conf->ppp.pools[pi];
				struct tg_session *x;

				/* The pool cursor advances for filtered-out tunnels too, as
				 * lnsd provisions them all. */
				if (cursor[pi] == 0)
					cursor[pi] = ntohl(pool->first);
				if (cursor[pi] > ntohl(pool->last)) {
					tg_plan_free(p);
					return fail(err, errlen, -ENOSPC, "static.tunnels[%u]: pool "
						    "'%s' exhausted", j, pool->name);
				}
				if (!keep) {
					cursor[pi]++;
					continue;
				}
				x = &p->sess[p->n_sess++];
				x->addr = htonl(cursor[pi]++);
				x->tunnel_id = (uint16_t)(c->local_id + k);
				x->session_id = (uint16_t)s;
				x->client = client;
				if (sai >= 0) {
					x->sa = sa_base[sai] + k;
					x->peer = p->sas[x->sa].peer;
				} else {
					x->sa = TG_NONE;
					x->peer = htonl(ntohl(c->peer) + k);
					x->peer_port = c->peer_port;
				}
			}
		}
	}
	rc = group_clients(p);
	if (rc == 0)
		rc = collect_nexthops(p);
	if (rc != 0) {
		tg_plan_free(p);
		return fail(err, errlen, rc, "out of memory");
	}
	return 0;
}

void
tg_plan_free(struct tg_plan *p)
{
	free(p->sas);
	free(p->sess);
	free(p->client_first);
	free(p->client_count);
	free(p->order);
	free(p->nexthops);
	memset(p, 0, sizeof(*p));
}
