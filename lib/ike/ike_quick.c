/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Mode responder (RFC 2409 §5.5):
 *   1 HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] [, NAT-OAi, NAT-OAr]
 *   2 HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr] [, NAT-OAi, NAT-OAr]
 *   3 HDR*, HASH(3)          -> only now both SAs go to the data plane
 * ESP transforms per RFC 2407 §4.4.4/§4.5, UDP encapsulation per RFC 3947 §5.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ike_priv.h"

/* lns_esp_alg -> RFC 2407 transform and the key lengths our data plane needs */
static const struct {
	uint8_t id;
	uint16_t keybits;
	uint16_t auth;
	uint8_t key_len, auth_len;
} esp_algs[LNS_ESP_ALG_MAX] = {
	/* GCM: key plus 4-byte salt from KEYMAT (RFC 4106 §8.1) */
	[LNS_ESP_AES128_GCM16]  = { IKE_ESP_AES_GCM16, 128, 0, 20, 0 },
	[LNS_ESP_AES256_GCM16]  = { IKE_ESP_AES_GCM16, 256, 0, 36, 0 },
	[LNS_ESP_AES128_SHA1]   = { IKE_ESP_AES_CBC, 128, IKE_AUTHALG_SHA1, 16, 20 },
	[LNS_ESP_AES256_SHA1]   = { IKE_ESP_AES_CBC, 256, IKE_AUTHALG_SHA1, 32, 20 },
	[LNS_ESP_AES128_SHA256] = { IKE_ESP_AES_CBC, 128, IKE_AUTHALG_SHA256, 16, 32 },
	[LNS_ESP_AES256_SHA256] = { IKE_ESP_AES_CBC, 256, IKE_AUTHALG_SHA256, 32, 32 },
	/* 3DES (RFC 2451): fixed 192-bit key, no KEY_LENGTH attribute expected */
	[LNS_ESP_3DES_SHA1]     = { IKE_ESP_3DES, 192, IKE_AUTHALG_SHA1, 24, 20 },
	[LNS_ESP_3DES_SHA256]   = { IKE_ESP_3DES, 192, IKE_AUTHALG_SHA256, 24, 32 },
};

/* Key length a transform means without a KEY_LENGTH attribute: 3DES has one size;
 * AES requires the attribute (RFC 3602 5), 128 is taken for lenient peers. */
static int
esp_default_keybits(uint8_t id)
{
	return id == IKE_ESP_3DES ? 192 : 128;
}

struct p2_attrs {
	uint32_t life_s;
	uint64_t life_kb;
	int group, encap, auth, keybits;
	bool bad;
};

static void
p2_attrs_parse(const struct ike_xform *x, struct p2_attrs *p)
{
	const uint8_t *q = x->attrs, *end = x->attrs + x->attrs_len;
	struct ike_attr a;
	int life_type = 0;

	memset(p, 0, sizeof(*p));
	while (ike_attr_next(&q, end, &a) > 0) {
		if (!a.num_ok) {
			p->bad = true;
			continue;
		}
		switch (a.type) {
		case IKE_A2_LIFE_TYPE: life_type = (int)a.num; break;
		case IKE_A2_LIFE_DUR:
			if (life_type == IKE_LIFE_SECONDS)
				p->life_s = a.num > UINT32_MAX ? UINT32_MAX : (uint32_t)a.num;
			else if (life_type == IKE_LIFE_KB)
				p->life_kb = a.num;
			else
				p->bad = true;   /* RFC 2407 §4.5: the type comes first */
			break;
		case IKE_A2_GROUP:  p->group = (int)a.num; break;
		case IKE_A2_ENCAP:  p->encap = (int)a.num; break;
		case IKE_A2_AUTH:   p->auth = (int)a.num; break;
		case IKE_A2_KEYLEN: p->keybits = (int)a.num; break;
		default:            p->bad = true; break;   /* unknown: cannot honour it */
		}
	}
}

static bool
group_ok(const struct lns_ike *ike, int g)
{
	const struct lns_ipsec_conf *ic = &ike->conf->ipsec;

	/* PFS groups: the phase-1 list, legacy MODP only behind allow-modp1024 */
	return g > 0 && g <= UINT8_MAX && memchr(ic->ike_groups, g, ic->n_ike_groups) &&
	       ike_dh_pub_len(g) != 0 &&
	       ((g != IKE_GROUP_MODP1024 && g != IKE_GROUP_MODP1536) || ic->allow_modp1024);
}

/* Encapsulation mode -> (mode, udp). UDP modes need NAT-T; plain ones no NAT. */
static bool
encap_ok(const struct ike_sa *sa, int encap, uint8_t *mode, bool *udp)
{
	bool nat = sa->nat_peer || sa->nat_local;

	switch (encap) {
	case IKE_ENCAP_TUNNEL:
	case IKE_ENCAP_TRANSPORT:
		*mode = encap == IKE_ENCAP_TUNNEL ? LNS_MODE_TUNNEL : LNS_MODE_TRANSPORT;
		*udp = false;
		return !nat;
	case IKE_ENCAP_UDP_TUNNEL:
	case IKE_ENCAP_UDP_TUNNEL_DRAFT:
	case IKE_ENCAP_UDP_TRANSPORT:
	case IKE_ENCAP_UDP_TRANSPORT_DRAFT:
		*mode = (encap == IKE_ENCAP_UDP_TUNNEL || encap == IKE_ENCAP_UDP_TUNNEL_DRAFT)
			? LNS_MODE_TUNNEL : LNS_MODE_TRANSPORT;
		*udp = true;
		return sa->natt != IKE_NATT_NONE;
	default:
		return false;
	}
}

struct qm_choice {
	const struct ike_prop *prop;
	const struct ike_xform *x;
	int alg;
	uint8_t mode;
	bool udp;
	uint32_t life_s;
	uint64_t life_kb;
	bool shortened;         /* below the offer: RESPONDER-LIFETIME in message 2 */
	int group;
};

static bool
qm_choose(struct lns_ike *ike, struct ike_sa *sa, const struct ike_sa_pl *sap, int ke_group,
	  struct qm_choice *ch)
{
	const struct lns_ipsec_conf *ic = &ike->conf->ipsec;

	for (unsigned int i = 0; i < ic->n_esp_proposals; i++) {
		int alg = ic->esp_proposals[i];

		if (alg < 0 || alg >= LNS_ESP_ALG_MAX)
			continue;
		/* the config refuses 3des without the switch; a reload may turn it off */
		if (esp_algs[alg].id == IKE_ESP_3DES && !ic->allow_3des)
			continue;
		for (unsigned int p = 0; p < sap->n_props; p++) {
			const struct ike_prop *pr = &sap->prop[p];
			bool bundle = false;

			/* proposals sharing a number are ANDed (AH+ESP bundles): not ours */
			for (unsigned int q = 0; q < sap->n_props; q++)
				if (q != p && sap->prop[q].num == pr->num)
					bundle = true;
			if (bundle || pr->proto != IKE_PROTO_ESP || pr->spi_size != 4)
				continue;
			for (unsigned int j = 0; j < pr->n_xforms; j++) {
				const struct ike_xform *x = &pr->x[j];
				struct p2_attrs a;

				p2_attrs_parse(x, &a);
				if (a.bad || x->id != esp_algs[alg].id ||
				    (a.keybits ? a.keybits : esp_default_keybits(x->id)) !=
				    esp_algs[alg].keybits ||
				    a.auth != esp_algs[alg].auth ||
				    !encap_ok(sa, a.encap ? a.encap : IKE_ENCAP_TUNNEL, &ch->mode,
					      &ch->udp))
					continue;
				/* PFS: the group attribute and the KE payload go together */
				if (a.group != ke_group || (ke_group && !group_ok(ike, ke_group)) ||
				    (ic->pfs && ke_group == 0))
					continue;
				ch->prop = pr;
				ch->x = x;
				ch->alg = alg;
				ch->group = ke_group;
				ch->life_s = a.life_s && a.life_s < ic->esp_lifetime ? a.life_s
										    : ic->esp_lifetime;
				ch->life_kb = ic->esp_lifetime_kb;
				if (a.life_kb && (ch->life_kb == 0 || a.life_kb < ch->life_kb))
					ch->life_kb = a.life_kb;
				/* no offer means 28800 s (RFC 2407 §4.5) */
				ch->shortened = (a.life_s ? a.life_s : 28800) > ch->life_s ||
						(ch->life_kb && (a.life_kb == 0 || a.life_kb > ch->life_kb));
				return true;
			}
		}
	}
	return false;
}

/*
 * One Quick Mode identity (RFC 2407 §4.6.2): lnsd terminates host-to-host L2TP only,
 * so a selector is one IPv4 host (an address, or a /32 subnet as some clients send),
 * protocol UDP, port 1701 or 0 (any: Linux initiators with "17/%any"). Anything
 * wider would promise the client traffic that the data path drops.
 */
static bool
id_ok(const struct ike_pl *p, uint32_t *addr)
{
	struct ike_id id;

	if (ike_id_parse(p->body, p->len, &id) < 0 || id.len < 4)
		return false;
	if (id.type == IKE_ID_IPV4_SUBNET && memcmp(id.data + 4, "\xff\xff\xff\xff", 4) != 0)
		return false;
	if (id.type != IKE_ID_IPV4_ADDR && id.type != IKE_ID_IPV4_SUBNET)
		return false;
	memcpy(addr, id.data, 4);
	return *addr != 0 && id.proto == IPPROTO_UDP && (id.port == 1701 || id.port == 0);
}

/*
 * The SA's inner addresses (used as such in tunnel mode) from the selectors lnsd
 * accepts. Without IDs they are the ISAKMP peers' (RFC 2409 §5.5), or the peer's
 * NAT-OA. Without a NAT in front of the peer IDci must be the peer's own address;
 * behind one it is the client's private address, which only the selector carries
 * (RFC 3947 §5.2 has NAT-OA for transport mode only). IDcr is our address, or,
 * with a NAT in front of us, whatever address the client knows us by.
 * @return NULL, or why the selectors are refused.
 */
static const char *
qm_selectors(const struct lns_ike *ike, const struct ike_sa *sa, const struct ike_pl *idc,
	     const struct ike_pl *idr, uint32_t nat_oa, uint32_t *peer, uint32_t *local)
{
	*peer = nat_oa != 0 && sa->nat_peer ? nat_oa : sa->peer;
	*local = ike->local_addr;
	if (idc == NULL && idr == NULL)
		return NULL;
	if (idc == NULL || idr == NULL)
		return "IDci without IDcr";
	if (!id_ok(idc, peer))
		return "IDci not one host, UDP, port 1701 or any";
	if (!id_ok(idr, local))
		return "IDcr not one host, UDP, port 1701 or any";
	if (!sa->nat_peer && *peer != sa->peer)
		return "IDci is not the peer's address (no NAT between us)";
	if (!sa->nat_local && *local != ike->local_addr)
		return "IDcr is not our address (no NAT in front of us)";
	return NULL;
}

static uint32_t
spi_new(struct lns_ike *ike)
{
	uint32_t spi;

	do {
		if (ike_random(&spi, sizeof(spi)) < 0)
			return 0;
	} while (spi < 256 || lns_map_find(&ike->by_spi, &spi) != NULL);   /* RFC 4303 §2.1 */
	return spi;
}

static void child_life_cb(struct lns_timer *t, void *arg, uint64_t now_ms);
static void child_retire_cb(struct lns_timer *t, void *arg, uint64_t now_ms);

static void
child_send_delete(struct lns_ike *ike, struct ike_child *c)
{
	uint8_t b[12];

	ike_put32(b, IKE_DOI_IPSEC);
	b[4] = IKE_PROTO_ESP;
	b[5] = 4;
	ike_put16(b + 6, 1);
	ike_put32(b + 8, c->c.spi_in);
	ike_event(ike, LNS_EV_IKE_DELETE_SENT, c->c.conn, "esp spi_in=0x%08x", c->c.spi_in);
	if (ike_info_send(ike, c->sa, IKE_PL_D, b, sizeof(b)) == 0)
		CNT(ike, DELETE_TX);
}

static void
child_life_cb(struct lns_timer *t, void *arg, uint64_t now_ms)
{
	struct ike_child *c = arg;
	struct lns_ike *ike = c->sa->ike;

	(void)t;
	ike->now_ms = now_ms;
	CNT(ike, CHILD_EXPIRED);
	ike_event(ike, LNS_EV_SA_HARD_EXPIRED, c->c.conn, "esp spi_in=0x%08x", c->c.spi_in);
	child_send_delete(ike, c);
	{
		struct ike_sa *sa = c->sa;

		ike_child_free(ike, c, true);
		ike_sa_child_gone(ike, sa);
	}
}

static void
child_retire_cb(struct lns_timer *t, void *arg, uint64_t now_ms)
{
	struct ike_child *c = arg;
	struct lns_ike *ike = c->sa->ike;

	(void)t;
	ike->now_ms = now_ms;
	child_send_delete(ike, c);
	{
		struct ike_sa *sa = c->sa;

		ike_child_free(ike, c, true);
		ike_sa_child_gone(ike, sa);
	}
}

static void
qm_rtx_cb(struct lns_timer *t, void *arg, uint64_t now_ms)
{
	struct ike_qm *qm = arg;
	struct lns_ike *ike = qm->sa->ike;

	(void)t;
	ike->now_ms = now_ms;
	if (++qm->rtx >= IKE_RTX_TRIES) {
		CNT(ike, E_TIMEOUT);
		ike_qm_free(ike, qm);
		return;
	}
	CNT(ike, RETRANSMITS);
	ike_tx(ike, qm->sa, qm->resp, qm->resp_len);
	lns_timer_arm(ike->tm, &qm->t_rtx, now_ms + ((uint64_t)IKE_RTX_INITIAL_MS << qm->rtx));
}

static void
qm_fail_notify(struct lns_ike *ike, struct ike_sa *sa, uint16_t type)
{
	ike_send_notify(ike, sa, type, IKE_PROTO_ESP, NULL, 0, NULL, 0);
}

/*
 * The chosen transform for message 2, from the generic header's reserved byte
 * on: the initiator's attributes, but with the lifetimes we will enforce. An
 * initiator that offered longer ones (or none: 28800 s by default, RFC 2407
 * §4.5) would otherwise rekey after we have expired the SA; strongSwan takes
 * the lifetimes from this reply.
 */
static void
qm2_xform(struct ike_buf *m, const struct ike_xform *x, const struct qm_choice *ch)
{
	const uint8_t *q = x->attrs, *end = x->attrs + x->attrs_len, *at = q;
	struct ike_attr a;

	ike_buf_put(m, x->raw + 1, 7);            /* reserved, length, number, id, reserved */
	while (ike_attr_next(&q, end, &a) > 0) {
		if (a.type != IKE_A2_LIFE_TYPE && a.type != IKE_A2_LIFE_DUR)
			ike_buf_put(m, at, (size_t)(q - at));
		at = q;
	}
	ike_buf_attr(m, IKE_A2_LIFE_TYPE, IKE_LIFE_SECONDS);
	ike_buf_attr(m, IKE_A2_LIFE_DUR, ch->life_s);
	if (ch->life_kb) {
		ike_buf_attr(m, IKE_A2_LIFE_TYPE, IKE_LIFE_KB);
		ike_buf_attr(m, IKE_A2_LIFE_DUR,
			     ch->life_kb > UINT32_MAX ? UINT32_MAX : (uint32_t)ch->life_kb);
	}
}

/* KEYMAT for both directions (RFC 2409 §5.5): inbound under our SPI. */
static int
qm_keys(struct ike_sa *sa, struct ike_qm *qm, const uint8_t *gxy, size_t gxy_len)
{
	struct lns_ike_child *c = &qm->child->c;
	uint8_t km[36 + 32];
	size_t n = (size_t)c->key_len + c->auth_len;
	int rc;

	rc = ike_keymat(sa->hash, sa->k.d, sa->k.len, gxy, gxy_len, IKE_PROTO_ESP, c->spi_in,
			qm->ni, qm->ni_len, qm->nr, IKE_NONCE_LEN, km, n);
	if (rc == 0) {
		memcpy(c->key_in, km, c->key_len);
		memcpy(c->auth_in, km + c->key_len, c->auth_len);
		rc = ike_keymat(sa->hash, sa->k.d, sa->k.len, gxy, gxy_len, IKE_PROTO_ESP,
				c->spi_out, qm->ni, qm->ni_len, qm->nr, IKE_NONCE_LEN, km, n);
	}
	if (rc == 0) {
		memcpy(c->key_out, km, c->key_len);
		memcpy(c->auth_out, km + c->key_len, c->auth_len);
	}
	ike_wipe(km, sizeof(km));
	return rc;
}

static int
qm1(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h, const uint8_t *msg,
    size_t len)
{
	static struct ike_sa_pl sap;
	static struct ike_buf m;
	struct ike_pls pls;
	const struct ike_pl *sap_pl, *ni, *ke, *idc, *idr, *oa;
	struct qm_choice ch;
	struct ike_qm *qm;
	struct ike_dh *dh = NULL;
	uint8_t iv[IKE_BLOCK_MAX], gxy[IKE_DH_MAX], mid[4];
	uint8_t *plain = NULL;
	size_t hoff, rest;
	int rc, gxy_len = 0, ke_group = 0;
	uint32_t oa_peer = 0, in_peer, in_local;
	const char *why;

	if (sa->n_qms >= IKE_MAX_QM) {
		CNT(ike, E_STATE);
		return -EBUSY;
	}
	if (ike_p2_iv(sa->hash, sa->p1_last, sa->block, h->msgid, iv) < 0 ||
	    ike_decrypt(sa, msg, len, iv, &plain) < 0) {
		CNT(ike, E_MALFORMED);
		return -EBADMSG;
	}
	rc = ike_pl_parse(h->np, plain + IKE_HDR_LEN, len - IKE_HDR_LEN, true, &pls);
	if (rc < 0) {
		CNT(ike, E_MALFORMED);
		goto out;
	}
	rc = ike_p2_hash_check(sa, h->msgid, &pls, NULL, 0);
	if (rc < 0) {
		CNT(ike, E_HASH);   /* RFC 2409 §5.5: HASH(1) authenticates message 1 */
		goto out;
	}
	rc = -EBADMSG;
	sap_pl = ike_pls_find(&pls, IKE_PL_SA, 0);
	ni = ike_pls_find(&pls, IKE_PL_NONCE, 0);
	ke = ike_pls_find(&pls, IKE_PL_KE, 0);
	idc = ike_pls_find(&pls, IKE_PL_ID, 0);
	idr = ike_pls_find(&pls, IKE_PL_ID, 1);
	oa = ike_pls_find(&pls, IKE_PL_NATOA, 0);
	if (oa == NULL)
		oa = ike_pls_find(&pls, IKE_PL_NATOA_DRAFT, 0);
	if (sap_pl == NULL || ni == NULL || ni->len < 8 || ni->len > 256 ||
	    ike_sa_parse(sap_pl->body, sap_pl->len, &sap) < 0) {
		CNT(ike, E_MALFORMED);
		goto out;
	}
	if (oa && sa->nat_peer)
		(void)ike_natoa_parse(oa->body, oa->len, &oa_peer);
	why = qm_selectors(ike, sa, idc, idr, oa_peer, &in_peer, &in_local);
	if (why != NULL) {
		char a[INET_ADDRSTRLEN];

		CNT(ike, E_ID);
		inet_ntop(AF_INET, &sa->peer, a, sizeof(a));
		ike_event(ike, LNS_EV_IPSEC_REFUSED, sa->conn, "peer %s: %s", a, why);
		qm_fail_notify(ike, sa, IKE_N_INVALID_ID_INFO);
		goto out;
	}
	if (ke) {
		/* the group is the one every PFS transform names; find it from the KE size */
		for (unsigned int p = 0; p < sap.n_props && !ke_group; p++)
			for (unsigned int j = 0; j < sap.prop[p].n_xforms && !ke_group; j++) {
				struct p2_attrs a;

				p2_attrs_parse(&sap.prop[p].x[j], &a);
				if (a.group && ike_dh_pub_len(a.group) == ke->len)
					ke_group = a.group;
			}
		if (ke_group == 0) {
			CNT(ike, E_KE);
			goto out;
		}
	}
	if (!qm_choose(ike, sa, &sap, ke_group, &ch)) {
		CNT(ike, E_NO_PROPOSAL);
		qm_fail_notify(ike, sa, IKE_N_NO_PROPOSAL_CHOSEN);
		rc = -ENOENT;
		goto out;
	}
	if (ke) {
		dh = ike_dh_new(ke_group);
		gxy_len = dh ? ike_dh_shared(dh, ke->body, ke->len, gxy) : -EIO;
		if (gxy_len < 0) {
			CNT(ike, E_KE);
			goto out;
		}
	}
	qm = calloc(1, sizeof(*qm));
	if (qm == NULL || (qm->child = calloc(1, sizeof(*qm->child))) == NULL) {
		free(qm);
		CNT(ike, E_NOMEM);
		rc = -ENOMEM;
		goto out;
	}
	qm->sa = sa;
	qm->msgid = h->msgid;
	qm->commit = (h->flags & IKE_FLAG_COMMIT) != 0;
	memcpy(qm->ni, ni->body, ni->len);
	qm->ni_len = ni->len;
	lns_timer_init(&qm->t_rtx, qm_rtx_cb, qm);
	qm->next = sa->qms;
	sa->qms = qm;
	sa->n_qms++;
	{
		struct ike_child *c = qm->child;

		c->sa = sa;
		lns_timer_init(&c->t_life, child_life_cb, c);
		lns_timer_init(&c->t_retire, child_retire_cb, c);
		c->c.conn = sa->conn;
		c->c.spi_in = spi_new(ike);
		c->c.spi_out = ike_get32(ch.prop->spi);
		c->c.alg = (uint8_t)ch.alg;
		c->c.mode = ch.mode;
		c->c.udp_encap = ch.udp;
		c->c.peer = sa->peer;
		c->c.inner_peer = in_peer;
		c->c.inner_local = in_local;
		c->c.key_len = esp_algs[ch.alg].key_len;
		c->c.auth_len = esp_algs[ch.alg].auth_len;
		c->c.life_s = ch.life_s;
		c->c.life_kb = ch.life_kb;
		if (oa && ch.udp && ch.mode == LNS_MODE_TRANSPORT)
			(void)ike_natoa_parse(oa->body, oa->len, &c->c.nat_oa);
		if (lns_map_add(&ike->by_spi, &c->h_spi) != 0)
			c->c.spi_in = 0;   /* cannot happen (spi_new made it unique) */
	}
	if (qm->child->c.spi_in == 0 || ike_random(qm->nr, IKE_NONCE_LEN) < 0 ||
	    qm_keys(sa, qm, gxy_len > 0 ? gxy : NULL, gxy_len > 0 ? (size_t)gxy_len : 0) < 0) {
		CNT(ike, E_CRYPTO);
		ike_qm_free(ike, qm);
		rc = -EIO;
		goto out;
	}

	/* Message 2 */
	ike_buf_init(&m, sa->icky, sa->rcky, IKE_EXCH_QUICK, qm->commit ? IKE_FLAG_COMMIT : 0,
		     h->msgid);
	hoff = ike_buf_pl_begin(&m, IKE_PL_HASH);
	ike_buf_put(&m, sa->k.a, sa->k.len);        /* placeholder */
	ike_buf_pl_end(&m, hoff);
	rest = m.len;
	{
		size_t off = ike_buf_pl_begin(&m, IKE_PL_SA);

		ike_buf_u32(&m, IKE_DOI_IPSEC);
		ike_buf_u32(&m, IKE_SIT_IDENTITY);
		ike_buf_u8(&m, IKE_PL_NONE);
		ike_buf_u8(&m, 0);
		size_t poff = m.len, toff;

		ike_buf_u16(&m, 0);                       /* proposal length, below */
		ike_buf_u8(&m, ch.prop->num);
		ike_buf_u8(&m, IKE_PROTO_ESP);
		ike_buf_u8(&m, 4);
		ike_buf_u8(&m, 1);
		ike_buf_u32(&m, qm->child->c.spi_in);
		toff = m.len;
		ike_buf_u8(&m, IKE_PL_NONE);
		qm2_xform(&m, ch.x, &ch);
		ike_put16(m.b + toff + 2, (uint16_t)(m.len - toff));
		ike_put16(m.b + poff, (uint16_t)(m.len - poff + 2));
		ike_buf_pl_end(&m, off);
	}
	ike_buf_pl(&m, IKE_PL_NONCE, qm->nr, IKE_NONCE_LEN);
	if (dh) {
		size_t pl;
		const uint8_t *pub = ike_dh_pub(dh, &pl);

		ike_buf_pl(&m, IKE_PL_KE, pub, pl);
	}
	if (idc) {
		ike_buf_pl(&m, IKE_PL_ID, idc->body, idc->len);   /* echoed as offered */
		ike_buf_pl(&m, IKE_PL_ID, idr->body, idr->len);
	}
	if (oa && ch.udp && ch.mode == LNS_MODE_TRANSPORT) {
		/* RFC 3947 §5.2: the addresses as we see them */
		uint8_t b[8] = { IKE_ID_IPV4_ADDR, 0, 0, 0 };
		uint8_t t = oa->type;

		memcpy(b + 4, &sa->peer, 4);
		ike_buf_pl(&m, t, b, 8);
		memcpy(b + 4, &ike->local_addr, 4);
		ike_buf_pl(&m, t, b, 8);
	}
	if (ch.shortened) {
		/* RFC 2407 §4.6.3.1: the lifetimes in our SA are shorter than offered;
		 * the notify tells initiators that do not read them from the reply */
		uint8_t n[8 + 4 + 24];

		ike_put32(n, IKE_DOI_IPSEC);
		n[4] = IKE_PROTO_ESP;
		n[5] = 4;
		ike_put16(n + 6, IKE_N_RESPONDER_LIFETIME);
		ike_put32(n + 8, qm->child->c.spi_in);
		ike_buf_pl(&m, IKE_PL_N, n, 12 + ike_life_attrs(n + 12, IKE_A2_LIFE_TYPE,
								  IKE_A2_LIFE_DUR, ch.life_s,
								  ch.life_kb));
		CNT(ike, RESPONDER_LIFETIME);
	}
	if (ike_buf_finish(&m) < 0) {
		ike_qm_free(ike, qm);
		rc = -EMSGSIZE;
		goto out;
	}
	/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | Message after HASH) */
	ike_put32(mid, h->msgid);
	{
		struct ike_iov v[3] = { { mid, 4 }, { qm->ni, qm->ni_len },
					{ m.b + rest, m.len - rest } };

		ike_prf(sa->hash, sa->k.a, sa->k.len, v, 3, m.b + hoff + IKE_GEN_LEN);
	}
	memcpy(qm->iv, iv, sa->block);
	if (ike_encrypt(sa, &m, qm->iv) < 0 ||
	    ike_store_resp(sa, &qm->resp, &qm->resp_len, &m) < 0) {
		CNT(ike, E_CRYPTO);
		ike_qm_free(ike, qm);
		rc = -EIO;
		goto out;
	}
	ike_digest(msg, len, qm->req_digest);
	ike_send_sa(ike, sa, &m, LNS_IKE_C_TX_QM);
	lns_timer_arm(ike->tm, &qm->t_rtx, ike->now_ms + IKE_RTX_INITIAL_MS);
	rc = 0;
out:
	ike_dh_free(dh);
	ike_wipe(gxy, sizeof(gxy));
	free(plain);
	return rc;
}

static int
qm3(struct lns_ike *ike, struct ike_sa *sa, struct ike_qm *qm, const struct ike_hdr *h,
    const uint8_t *msg, size_t len)
{
	struct ike_pls pls;
	uint8_t iv[IKE_BLOCK_MAX], mid[4], want[IKE_HASH_MAX];
	uint8_t *plain = NULL;
	struct ike_child *c;
	static const uint8_t zero;
	bool commit = qm->commit || (h->flags & IKE_FLAG_COMMIT);
	int rc;

	memcpy(iv, qm->iv, sa->block);
	if (ike_decrypt(sa, msg, len, iv, &plain) < 0) {
		CNT(ike, E_MALFORMED);
		return -EBADMSG;
	}
	rc = ike_pl_parse(h->np, plain + IKE_HDR_LEN, len - IKE_HDR_LEN, true, &pls);
	if (rc < 0 || pls.p[0].type != IKE_PL_HASH || pls.p[0].len != sa->k.len) {
		CNT(ike, E_MALFORMED);
		free(plain);
		return -EBADMSG;
	}
	/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	ike_put32(mid, qm->msgid);
	struct ike_iov v[4] = { { &zero, 1 }, { mid, 4 }, { qm->ni, qm->ni_len },
				{ qm->nr, IKE_NONCE_LEN } };
	rc = ike_prf(sa->hash, sa->k.a, sa->k.len, v, 4, want);
	if (rc < 0 || ike_memeq_ct(want, pls.p[0].body, sa->k.len) != 0) {
		CNT(ike, E_HASH);
		free(plain);
		return -EACCES;
	}
	free(plain);
	sa->last_rx_ms = ike->now_ms;
	c = qm->child;
	qm->child = NULL;
	c->c.peer_port = sa->peer_port;
	c->c.local_port = sa->local_port;
	/* remember the id so a late retransmission of message 1 or 3 is not re-run */
	sa->recent[sa->recent_pos++ % IKE_RECENT_MSGIDS] = qm->msgid;
	ike_qm_free(ike, qm);
	rc = ike->ops.child_up(ike->ctx, &c->c);
	if (rc < 0) {
		CNT(ike, E_CHILD_REFUSED);
		child_send_delete(ike, c);
		ike_child_free(ike, c, false);
		return rc;
	}
	/* a rekey: the older children go after the overlap (RFC 2409 §5.5 allows
	 * both to live; the peer usually deletes the old one itself) */
	for (struct ike_child *o = sa->children; o; o = o->next)
		if (!lns_timer_pending(&o->t_retire))
			lns_timer_arm(ike->tm, &o->t_retire, ike->now_ms + IKE_REKEY_OVERLAP_MS);
	c->installed = true;
	c->next = sa->children;
	sa->children = c;
	sa->n_children++;
	lns_timer_arm(ike->tm, &c->t_life, ike->now_ms + (uint64_t)c->c.life_s * 1000);
	CNT(ike, QM_DONE);
	ike_event(ike, LNS_EV_IPSEC_UP, sa->conn,
		  "esp spi_in=0x%08x spi_out=0x%08x alg=%s mode=%s natt=%s", c->c.spi_in,
		  c->c.spi_out, lns_esp_alg_name((enum lns_esp_alg)c->c.alg),
		  c->c.mode == LNS_MODE_TUNNEL ? "tunnel" : "transport",
		  c->c.udp_encap ? "yes" : "no");
	if (commit) {
		uint8_t spi[4];

		/* RFC 2408 §4.8 commit bit: tell the initiator the SA is in place */
		ike_put32(spi, c->c.spi_in);
		ike_send_notify(ike, sa, IKE_N_CONNECTED, IKE_PROTO_ESP, spi, 4, NULL, 0);
	}
	return 0;
}

int
ike_qm_input(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
	     const uint8_t *msg, size_t len)
{
	struct ike_qm *qm;
	uint8_t dg[20];

	if (sa->state != IKE_ESTABLISHED || !(h->flags & IKE_FLAG_ENC) || h->msgid == 0) {
		CNT(ike, E_STATE);
		return -EPROTO;
	}
	for (unsigned int i = 0; i < IKE_RECENT_MSGIDS; i++)
		if (sa->recent[i] == h->msgid) {
			CNT(ike, DUP_REQUESTS);
			return 0;
		}
	for (qm = sa->qms; qm; qm = qm->next)
		if (qm->msgid == h->msgid)
			break;
	if (qm) {
		ike_digest(msg, len, dg);
		if (memcmp(dg, qm->req_digest, 20) == 0) {
			CNT(ike, DUP_REQUESTS);
			CNT(ike, TX_QM);
			ike_tx(ike, sa, qm->resp, qm->resp_len);
			return 0;
		}
		return qm3(ike, sa, qm, h, msg, len);
	}
	return qm1(ike, sa, h, msg, len);
}
