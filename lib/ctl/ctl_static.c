/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static provisioning (config `static:`): manually keyed SA pairs, tunnels and
 * sessions, for benchmarks and for testing the data plane without signalling.
 *
 * Copies (`count: N`): SA copy i has SPIs, peer address and peer port + i; tunnel
 * copy i has local and peer tunnel ids + i and uses SA copy i (or peer + i when
 * non-secure). Each tunnel's sessions have local and peer session ids 1..N and take
 * subscriber addresses in order from the tunnel's pool, across tunnels in file order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_log.h>

#include "lns_ctl.h"


static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

void
lns_ctl_esp_algo(uint8_t alg, struct lns_esp_sa_params *p)
{
	switch (alg) {
	case LNS_ESP_AES128_GCM16:
	case LNS_ESP_AES256_GCM16:
		p->cipher = LNS_ESP_CIPHER_AES_GCM16;
		p->auth = LNS_ESP_AUTH_NONE;
		break;
	case LNS_ESP_AES128_SHA1:
	case LNS_ESP_AES256_SHA1:
		p->cipher = LNS_ESP_CIPHER_AES_CBC;
		p->auth = LNS_ESP_AUTH_HMAC_SHA1_96;
		break;
	case LNS_ESP_3DES_SHA1:
		p->cipher = LNS_ESP_CIPHER_3DES_CBC;
		p->auth = LNS_ESP_AUTH_HMAC_SHA1_96;
		break;
	case LNS_ESP_3DES_SHA256:
		p->cipher = LNS_ESP_CIPHER_3DES_CBC;
		p->auth = LNS_ESP_AUTH_HMAC_SHA256_128;
		break;
	default:
		p->cipher = LNS_ESP_CIPHER_AES_CBC;
		p->auth = LNS_ESP_AUTH_HMAC_SHA256_128;
		break;
	}
}

struct pool_cursor {
	uint32_t next;     /* host order; 0 = not started */
};

static int
provision_sas(struct lns_ctl *ctl, uint32_t **hin, uint32_t **hout, char *err, size_t errlen)
{
	const struct lns_conf *conf = ctl->dp->conf;
	const struct lns_static_conf *sc = &conf->stat;

	for (uint16_t i = 0; i < sc->n_sas; i++) {
		const struct lns_static_sa *c = &sc->sas[i];

		hin[i] = calloc(c->count, sizeof(uint32_t));
		hout[i] = calloc(c->count, sizeof(uint32_t));
		if (hin[i] == NULL || hout[i] == NULL)
			return fail(err, errlen, -ENOMEM, "static.sas[%u]: out of memory", i);
		for (uint32_t k = 0; k < c->count; k++) {
			struct lns_esp_sa_params in = { 0 }, out = { 0 };
			struct lns_sad_peer peer = { 0 };
			int rc;

			in.spi = c->spi_in + k;
			in.dir = LNS_ESP_DIR_IN;
			in.mode = c->mode == LNS_MODE_TUNNEL ? LNS_ESP_MODE_TUNNEL :
							       LNS_ESP_MODE_TRANSPORT;
			lns_ctl_esp_algo(c->alg, &in);
			in.enc_key = c->key_in;
			in.enc_key_len = c->key_in_len;
			in.auth_key = c->auth_key_in_len ? c->auth_key_in : NULL;
			in.auth_key_len = c->auth_key_in_len;
			in.replay_win = conf->ipsec.replay_window;
			out = in;
			out.spi = c->spi_out + k;
			out.dir = LNS_ESP_DIR_OUT;
			out.enc_key = c->key_out;
			out.enc_key_len = c->key_out_len;
			out.auth_key = c->auth_key_out_len ? c->auth_key_out : NULL;
			out.auth_key_len = c->auth_key_out_len;
			out.replay_win = 0;
			peer.addr = rte_cpu_to_be_32(rte_be_to_cpu_32(c->peer) + k);
			peer.udp_encap = c->udp_encap;
			peer.peer_port = (uint16_t)(c->peer_port + (c->udp_encap ? k : 0));
			peer.local_port = 4500;
			peer.inner_local = ctl->dp->port[LNS_PORT_ACCESS].addr;
			/* Static SAs stand in for IPsec connections: one id per copy. */
			rc = lns_sad_add_pair(ctl->dp->sad, ctl->dp->mgr[ctl->dp->n_workers],
					      (uint32_t)i << 20 | k, &in, &out, &peer,
					      &hin[i][k], &hout[i][k]);
			if (rc != 0)
				return fail(err, errlen, rc, "static.sas[%u] (%s) copy %u: %s", i,
					    c->name, k, rc == -ENOSPC ? "limits.max-sas reached" :
					    rc == -EEXIST ? "SPI already in use" : strerror(-rc));
		}
	}
	return 0;
}

static int
sa_index(const struct lns_static_conf *sc, const char *name)
{
	for (uint16_t i = 0; i < sc->n_sas; i++)
		if (strcmp(sc->sas[i].name, name) == 0)
			return i;
	return -1;
}

static const struct lns_pool_conf *
pool_by_name(const struct lns_ppp_conf *ppp, const char *name, uint16_t *idx)
{
	if (name[0] == '\0')
		name = ppp->default_pool;
	for (uint16_t i = 0; i < ppp->n_pools; i++)
		if (strcmp(ppp->pools[i].name, name) == 0) {
			*idx = i;
			return &ppp->pools[i];
		}
	return NULL;
}

int
lns_ctl_provision_static(struct lns_ctl *ctl, char *err, size_t errlen)
{
	const struct lns_conf *conf = ctl->dp->conf;
	const struct lns_static_conf *sc = &conf->stat;
	uint32_t *hin[LNS_CONF_MAX_STATIC] = { 0 }, *hout[LNS_CONF_MAX_STATIC] = { 0 };
	struct pool_cursor cur[LNS_CONF_MAX_POOLS] = { 0 };
	uint32_t n_tun = 0, n_sess = 0;
	int rc;

	rc = provision_sas(ctl, hin, hout, err, errlen);
	for (uint16_t i = 0; rc == 0 && i < sc->n_tunnels; i++) {
		const struct lns_static_tunnel *c = &sc->tunnels[i];
		int sai = c->sa[0] ? sa_index(sc, c->sa) : -1;
		const struct lns_pool_conf *pool;
		uint16_t pi = 0;

		pool = pool_by_name(&conf->ppp, c->pool, &pi);
		if (pool == NULL) {
			rc = fail(err, errlen, -EINVAL, "static.tunnels[%u]: no pool", i);
			break;
		}
		for (uint32_t k = 0; rc == 0 && k < c->count; k++) {
			struct lns_dp_tunnel t = { 0 };

			t.local_id = (uint16_t)(c->local_id + k);
			t.peer_id = (uint16_t)(c->peer_id + k);
			t.peer_port = rte_cpu_to_be_16(c->peer_port);
			if (sai >= 0) {
				const struct lns_sad_entry *e =
					lns_sad_get(ctl->dp->sad, hin[sai][k]);

				t.sa_in = hin[sai][k];
				t.sa_out = hout[sai][k];
				t.conn = lns_sad_get(ctl->dp->sad, t.sa_in)->conn;
				t.peer = e->peer;
			} else {
				t.sa_in = t.sa_out = t.conn = LNS_SAD_NONE;
				t.peer = rte_cpu_to_be_32(rte_be_to_cpu_32(c->peer) + k);
			}
			rc = lns_ctl_add_tunnel(ctl, &t);
			if (rc != 0) {
				rc = fail(err, errlen, rc, "static.tunnels[%u] copy %u: tunnel id %u %s",
					  i, k, t.local_id, rc == -EEXIST ? "in use" : "invalid");
				break;
			}
			n_tun++;
			for (uint32_t s = 1; s <= c->sessions; s++) {
				uint32_t h, addr;

				if (cur[pi].next == 0)
					cur[pi].next = rte_be_to_cpu_32(pool->first);
				if (cur[pi].next > rte_be_to_cpu_32(pool->last)) {
					rc = fail(err, errlen, -ENOSPC, "static.tunnels[%u]: pool '%s' "
						  "exhausted", i, pool->name);
					break;
				}
				addr = rte_cpu_to_be_32(cur[pi].next++);
				rc = lns_tables_add_session(ctl->dp->tbl, t.local_id, (uint16_t)s,
							    (uint16_t)s, addr, &h);
				if (rc != 0) {
					rc = fail(err, errlen, rc, "static.tunnels[%u]: session %u: %s",
						  i, s, rc == -ENOSPC ? "limits.max-sessions reached" :
						  "address or ids in use");
					break;
				}
				if (c->policy[0] != '\0')
					lns_tables_session_set_policy(ctl->dp->tbl, h,
						lns_conf_policy_find(conf, c->policy));
				n_sess++;
			}
		}
	}
	for (uint16_t i = 0; i < LNS_CONF_MAX_STATIC; i++) {
		free(hin[i]);
		free(hout[i]);
	}
	if (rc == 0 && (sc->n_sas || sc->n_tunnels))
		rte_log(RTE_LOG_INFO, lns_logtype_ctl, "lnsd: static: %u SAs, %u tunnels, %u "
			"sessions\n", ctl->dp->sad->n_active, n_tun, n_sess);
	return rc;
}
