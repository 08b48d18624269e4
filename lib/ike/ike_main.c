/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Main Mode responder with pre-shared keys (RFC 2409 §5, §5.4):
 *   1 HDR, SA          -> 2 HDR, SA, VID
 *   3 HDR, KE, Ni, NAT-D -> 4 HDR, KE, Nr, NAT-D
 *   5 HDR*, IDii, HASH_I -> 6 HDR*, IDir, HASH_R
 * or with signatures (RFC 2409 §5.1; ECDSA, RFC 4754), for cert-peers' addresses:
 *   4 HDR, KE, Nr, NAT-D, CERT_REQ      (one per configured CA)
 *   5 HDR*, IDii, CERT, SIG_I -> 6 HDR*, IDir, CERT, SIG_R   (X.509: ike_cert.c)
 * with NAT-T (RFC 3947), DPD (RFC 3706) and fragmentation (ike_frag.c) negotiated
 * by vendor ID.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ike_priv.h"

/* RFC 3947 §3.1: MD5("RFC 3947"); the drafts Windows and macOS still send. */
static const uint8_t vid_rfc3947[16] = {
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
	0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };
static const uint8_t vid_draft[3][16] = {
	/* draft-ietf-ipsec-nat-t-ike-02 */
	{ 0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
	  0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48 },
	/* draft-ietf-ipsec-nat-t-ike-02\n */
	{ 0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
	  0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f },
	/* draft-ietf-ipsec-nat-t-ike-03 */
	{ 0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
	  0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56 },
};
/* RFC 3706 §6: DPD vendor ID (version 1.0) */
static const uint8_t vid_dpd[16] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
/* Microsoft's "Vid-Initial-Contact" (Windows sends it in message 1 instead of,
 * or besides, the INITIAL-CONTACT notify; strongSwan's vendor table names it) */
static const uint8_t vid_ms_initial_contact[16] = {
	0x26, 0x24, 0x4d, 0x38, 0xed, 0xdb, 0x61, 0xb3,
	0x17, 0x2a, 0x36, 0xe3, 0xd0, 0xcf, 0xb8, 0x19 };

/* lns_ike_alg -> RFC 2409 appendix A values */
static const struct {
	int enc, keybits, hash, group;
} ike_algs[LNS_IKE_ALG_MAX] = {
	[LNS_IKE_AES128_SHA1_MODP2048]   = { IKE_ENC_AES_CBC, 128, IKE_HASHALG_SHA1, 14 },
	[LNS_IKE_AES256_SHA1_MODP2048]   = { IKE_ENC_AES_CBC, 256, IKE_HASHALG_SHA1, 14 },
	[LNS_IKE_AES128_SHA256_MODP2048] = { IKE_ENC_AES_CBC, 128, IKE_HASHALG_SHA256, 14 },
	[LNS_IKE_AES256_SHA256_MODP2048] = { IKE_ENC_AES_CBC, 256, IKE_HASHALG_SHA256, 14 },
	[LNS_IKE_AES128_SHA256_ECP256]   = { IKE_ENC_AES_CBC, 128, IKE_HASHALG_SHA256, 19 },
	[LNS_IKE_AES256_SHA256_ECP256]   = { IKE_ENC_AES_CBC, 256, IKE_HASHALG_SHA256, 19 },
	[LNS_IKE_AES128_SHA1_MODP1024]   = { IKE_ENC_AES_CBC, 128, IKE_HASHALG_SHA1, 2 },
	[LNS_IKE_3DES_SHA1_MODP2048]     = { IKE_ENC_3DES, 192, IKE_HASHALG_SHA1, 14 },
};

struct p1_attrs {
	int enc, keybits, hash, auth, group;
	uint32_t life_s;
	bool bad;
};

static void
p1_attrs_parse(const struct ike_xform *x, struct p1_attrs *p)
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
		case IKE_A1_ENC:       p->enc = (int)a.num; break;
		case IKE_A1_KEYLEN:    p->keybits = (int)a.num; break;
		case IKE_A1_HASH:      p->hash = (int)a.num; break;
		case IKE_A1_AUTH:      p->auth = (int)a.num; break;
		case IKE_A1_GROUP:     p->group = (int)a.num; break;
		case IKE_A1_LIFE_TYPE: life_type = (int)a.num; break;
		case IKE_A1_LIFE_DUR:
			/* RFC 2409 appendix A: a duration belongs to the type before it */
			if (life_type == IKE_LIFE_SECONDS)
				p->life_s = a.num > UINT32_MAX ? UINT32_MAX : (uint32_t)a.num;
			break;
		default:
			break;   /* other attributes do not change what we run */
		}
	}
	if (p->enc == IKE_ENC_3DES && p->keybits == 0)
		p->keybits = 192;
}

void
lns_ike_lists_from_suites(struct lns_ipsec_conf *ic)
{
	ic->n_ike_ciphers = ic->n_ike_hashes = ic->n_ike_groups = 0;
	for (unsigned int i = 0; i < ic->n_ike_proposals; i++) {
		int alg = ic->ike_proposals[i];
		uint8_t c, h, g;

		if (alg < 0 || alg >= LNS_IKE_ALG_MAX)
			continue;
		c = ike_algs[alg].enc == IKE_ENC_3DES ? LNS_IKE_C_3DES :
		    ike_algs[alg].keybits == 128 ? LNS_IKE_C_AES128 : LNS_IKE_C_AES256;
		h = (uint8_t)ike_algs[alg].hash;
		g = (uint8_t)ike_algs[alg].group;
		if (memchr(ic->ike_ciphers, c, ic->n_ike_ciphers) == NULL)
			ic->ike_ciphers[ic->n_ike_ciphers++] = c;
		if (memchr(ic->ike_hashes, h, ic->n_ike_hashes) == NULL)
			ic->ike_hashes[ic->n_ike_hashes++] = h;
		if (memchr(ic->ike_groups, g, ic->n_ike_groups) == NULL)
			ic->ike_groups[ic->n_ike_groups++] = g;
	}
}

/* "aes256-sha384-ecp384": what lnsctl and the events show */
static void
p1_name(const struct p1_attrs *p, char *buf, size_t len)
{
	static const char *const hashes[] = { [2] = "sha1", [4] = "sha256", [5] = "sha384",
					      [6] = "sha512" };
	static const char *const groups[] = {
		[2] = "modp1024", [5] = "modp1536", [14] = "modp2048", [15] = "modp3072",
		[16] = "modp4096", [19] = "ecp256", [20] = "ecp384", [21] = "ecp521" };

	if (p->enc == IKE_ENC_3DES)
		snprintf(buf, len, "3des-%s-%s", hashes[p->hash], groups[p->group]);
	else
		snprintf(buf, len, "aes%d-%s-%s", p->keybits, hashes[p->hash], groups[p->group]);
}

/* RFC 2409 cipher + key length -> enum lns_ike_cipher, -1 if we run no such thing */
static int
p1_cipher(int enc, int keybits)
{
	if (enc == IKE_ENC_3DES)
		return keybits == 192 ? LNS_IKE_C_3DES : -1;
	if (enc != IKE_ENC_AES_CBC)
		return -1;
	switch (keybits) {
	case 128: return LNS_IKE_C_AES128;
	case 192: return LNS_IKE_C_AES192;
	case 256: return LNS_IKE_C_AES256;
	default:  return -1;   /* RFC 3602: AES needs an explicit key length */
	}
}

static bool
in_list(const uint8_t *l, unsigned int n, int v)
{
	return v >= 0 && v <= UINT8_MAX && memchr(l, v, n) != NULL;
}

int
ike_p1_acceptable(const struct lns_ipsec_conf *ic, int enc, int keybits, int hash,
		  int group, int auth)
{
	int c = p1_cipher(enc, keybits);

	if (c < 0 || !in_list(ic->ike_ciphers, ic->n_ike_ciphers, c) ||
	    (c == LNS_IKE_C_3DES && !ic->allow_3des))
		return IKE_P1_BAD_CIPHER;
	if (ike_hash_of(hash) < 0 || !in_list(ic->ike_hashes, ic->n_ike_hashes, hash))
		return IKE_P1_BAD_HASH;
	if (ike_dh_pub_len(group) == 0 || !in_list(ic->ike_groups, ic->n_ike_groups, group) ||
	    ((group == IKE_GROUP_MODP1024 || group == IKE_GROUP_MODP1536) &&
	     !ic->allow_modp1024))
		return IKE_P1_BAD_GROUP;
	if (auth != IKE_AUTH_PSK &&
	    (!ic->certs.set || ic->n_cert_peers == 0 ||
	     (auth == IKE_AUTH_RSA_SIG ? ic->certs.key_auth != LNS_IKE_AUTH_RSA_SIG :
	      auth < IKE_AUTH_ECDSA_256 || auth > IKE_AUTH_ECDSA_521 ||
	      ic->certs.key_auth != LNS_IKE_AUTH_ECDSA)))
		return IKE_P1_BAD_AUTH;
	return IKE_P1_OK;
}

/*
 * The initiator's order wins: the first of its transforms whose cipher, hash,
 * group and authentication method are each in the operator's lists (RFC 2409
 * §5: the responder picks one of what is offered; clients list their
 * preference first). Each dimension is checked on its own, so any combination
 * of allowed algorithms is accepted.
 */
static bool prefix_match(const struct lns_ipv4_prefix *p, uint32_t addr);

/* May this source address authenticate with this signature method (ipsec.cert-peers,
 * and our key: IKEv1 has one method for both sides, RFC 2409 §5)? */
static bool
cert_peer_allowed(const struct lns_ike *ike, uint32_t peer, int auth)
{
	const struct lns_ipsec_conf *ic = &ike->conf->ipsec;

	if (ike->certs == NULL || ike_certs_auth(ike->certs) != auth)
		return false;
	for (unsigned int i = 0; i < ic->n_cert_peers; i++)
		if (prefix_match(&ic->cert_peers[i].peer, peer))
			return true;
	return false;
}

static const struct ike_xform *
p1_choose(struct lns_ike *ike, uint32_t peer, const struct ike_prop *pr, struct p1_attrs *out,
	  uint32_t *life, bool *shortened)
{
	const struct lns_ipsec_conf *ic = &ike->conf->ipsec;

	for (unsigned int j = 0; j < pr->n_xforms; j++) {
		struct p1_attrs p;

		if (pr->x[j].id != IKE_KEY_IKE)
			continue;
		p1_attrs_parse(&pr->x[j], &p);
		if (p.bad || ike_p1_acceptable(ic, p.enc, p.keybits, p.hash, p.group, p.auth) !=
			     IKE_P1_OK)
			continue;
		/* signatures: only from the addresses cert-peers names (PSK and
		 * certificates mix per peer) */
		if (p.auth != IKE_AUTH_PSK && !cert_peer_allowed(ike, peer, p.auth))
			continue;
		*out = p;
		*life = p.life_s && p.life_s < ic->ike_lifetime ? p.life_s : ic->ike_lifetime;
		/* an offer without a lifetime leaves it to us (RFC 2407 §4.5) */
		*shortened = p.life_s > ic->ike_lifetime;
		return &pr->x[j];
	}
	return NULL;
}

static int
mm_send_resp(struct lns_ike *ike, struct ike_sa *sa, struct ike_buf *m, const uint8_t *msg,
	     size_t len)
{
	if (ike_store_resp(sa, &sa->resp, &sa->resp_len, m) < 0) {
		CNT(ike, E_NOMEM);
		return -ENOMEM;
	}
	ike_digest(msg, len, sa->req_digest);
	sa->req_digest_set = true;
	ike_send_sa(ike, sa, m, LNS_IKE_C_TX_MM);
	return 0;
}

/*
 * An unacceptable message 1 gets NO-PROPOSAL-CHOSEN (RFC 2408 §5.4), in the
 * clear (no keys exist yet) and once: the half-open SA is dropped with it, so a
 * retransmitted message 1 is answered again, never more than once per message.
 */
static void
mm1_no_proposal(struct lns_ike *ike, struct ike_sa *sa)
{
	static struct ike_buf m;

	if (ike_buf_no_proposal(&m, sa->icky, sa->rcky) == 0)
		ike_send_sa(ike, sa, &m, LNS_IKE_C_TX_INFO);
}

/* Message 1 -> 2: choose a transform, agree NAT-T and DPD by vendor ID. */
static int
mm1(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h, const uint8_t *msg,
    size_t len)
{
	static struct ike_sa_pl sap;
	static struct ike_buf m;
	struct ike_pls pls;
	const struct ike_pl *pl;
	const struct ike_xform *x;
	struct p1_attrs chosen;
	size_t off;
	int rc;
	bool draft[3] = { false, false, false };

	rc = ike_pl_parse(h->np, msg + IKE_HDR_LEN, len - IKE_HDR_LEN, false, &pls);
	pl = rc == 0 ? ike_pls_find(&pls, IKE_PL_SA, 0) : NULL;
	if (pl == NULL || h->flags & IKE_FLAG_ENC || ike_sa_parse(pl->body, pl->len, &sap) < 0) {
		ike->cnt[rc == -EMSGSIZE ? LNS_IKE_C_E_TRUNCATED : LNS_IKE_C_E_MALFORMED]++;
		return -EBADMSG;
	}
	/* RFC 2409 §5: exactly one proposal, for ISAKMP, in phase 1 */
	if (sap.n_props != 1 || sap.prop[0].proto != IKE_PROTO_ISAKMP) {
		CNT(ike, E_NO_PROPOSAL);
		mm1_no_proposal(ike, sa);
		return -ENOENT;
	}
	x = p1_choose(ike, sa->peer, &sap.prop[0], &chosen, &sa->life_s, &sa->life_shortened);
	if (x == NULL) {
		CNT(ike, E_NO_PROPOSAL);
		mm1_no_proposal(ike, sa);
		return -ENOENT;
	}
	sa->enc = chosen.enc;
	sa->key_len = (size_t)chosen.keybits / 8;
	sa->block = ike_cipher_block(sa->enc);
	sa->hash = (enum ike_hash)ike_hash_of(chosen.hash);
	sa->group = chosen.group;
	sa->auth = chosen.auth;
	/* a reload may swap the set before message 5: this negotiation keeps its own */
	if (sa->auth != IKE_AUTH_PSK)
		sa->certs = ike_certs_ref(ike->certs);
	p1_name(&chosen, sa->alg_name, sizeof(sa->alg_name));
	for (unsigned int i = 0; i < pls.n; i++) {
		/* "FRAGMENTATION", with Windows' 4 capability bytes or without */
		if (pls.p[i].type == IKE_PL_VID && pls.p[i].len >= 16 &&
		    memcmp(pls.p[i].body, ike_vid_frag, 16) == 0)
			sa->frag_peer = true;
		if (pls.p[i].type != IKE_PL_VID || pls.p[i].len != 16)
			continue;
		if (memcmp(pls.p[i].body, vid_rfc3947, 16) == 0)
			sa->natt = IKE_NATT_RFC;
		for (int d = 0; d < 3; d++)
			if (memcmp(pls.p[i].body, vid_draft[d], 16) == 0)
				draft[d] = true;
		if (memcmp(pls.p[i].body, vid_dpd, 16) == 0)
			sa->dpd_peer = true;
		if (memcmp(pls.p[i].body, vid_ms_initial_contact, 16) == 0)
			sa->vid_initial_contact = true;
	}
	if (sa->natt == IKE_NATT_NONE && (draft[0] || draft[1] || draft[2]))
		sa->natt = IKE_NATT_DRAFT;
	sa->sai_b = malloc(pl->len);
	if (sa->sai_b == NULL) {
		CNT(ike, E_NOMEM);
		return -ENOMEM;
	}
	memcpy(sa->sai_b, pl->body, pl->len);
	sa->sai_len = pl->len;

	/* Message 2: the chosen transform as offered (RFC 2408 §4.2) */
	ike_buf_init(&m, sa->icky, sa->rcky, IKE_EXCH_ID_PROT, 0, 0);
	off = ike_buf_pl_begin(&m, IKE_PL_SA);
	ike_buf_u32(&m, IKE_DOI_IPSEC);
	ike_buf_u32(&m, IKE_SIT_IDENTITY);
	ike_buf_u8(&m, IKE_PL_NONE);
	ike_buf_u8(&m, 0);
	ike_buf_u16(&m, (uint16_t)(8 + x->raw_len));
	ike_buf_u8(&m, sap.prop[0].num);
	ike_buf_u8(&m, IKE_PROTO_ISAKMP);
	ike_buf_u8(&m, 0);
	ike_buf_u8(&m, 1);
	ike_buf_u8(&m, IKE_PL_NONE);
	ike_buf_put(&m, x->raw + 1, x->raw_len - 1u);
	ike_buf_pl_end(&m, off);
	if (sa->natt == IKE_NATT_RFC)
		ike_buf_pl(&m, IKE_PL_VID, vid_rfc3947, 16);
	else if (sa->natt == IKE_NATT_DRAFT)
		ike_buf_pl(&m, IKE_PL_VID, vid_draft[draft[1] ? 1 : draft[0] ? 0 : 2], 16);
	ike_buf_pl(&m, IKE_PL_VID, vid_dpd, 16);
	if (ike->conf->ipsec.fragmentation)
		ike_buf_pl(&m, IKE_PL_VID, ike_vid_frag, 16);
	if (ike_buf_finish(&m) < 0)
		return -EMSGSIZE;
	rc = mm_send_resp(ike, sa, &m, msg, len);
	if (rc == 0)
		ike_arm_rtx(ike, sa);
	return rc;
}

/* Message 3 -> 4: Diffie-Hellman, nonces, NAT detection (RFC 3947 §3.2). */
static int
mm3(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h, const uint8_t *msg,
    size_t len)
{
	static struct ike_buf m;
	struct ike_pls pls;
	const struct ike_pl *ke, *ni, *nd;
	uint8_t natd[IKE_HASH_MAX];
	uint8_t natd_type = sa->natt == IKE_NATT_RFC ? IKE_PL_NATD : IKE_PL_NATD_DRAFT;
	size_t hl = ike_hash_len(sa->hash), publen;
	const uint8_t *pub;
	int rc;

	rc = ike_pl_parse(h->np, msg + IKE_HDR_LEN, len - IKE_HDR_LEN, false, &pls);
	if (rc < 0 || h->flags & IKE_FLAG_ENC) {
		ike->cnt[rc == -EMSGSIZE ? LNS_IKE_C_E_TRUNCATED : LNS_IKE_C_E_MALFORMED]++;
		return -EBADMSG;
	}
	ke = ike_pls_find(&pls, IKE_PL_KE, 0);
	ni = ike_pls_find(&pls, IKE_PL_NONCE, 0);
	if (ke == NULL || ni == NULL || ni->len < 8 || ni->len > 256) {
		CNT(ike, E_MALFORMED);   /* RFC 2409 §5: nonces are 8..256 bytes */
		return -EBADMSG;
	}
	if (ke->len != ike_dh_pub_len(sa->group)) {
		CNT(ike, E_KE);
		return -EBADMSG;
	}
	sa->dh = ike_dh_new(sa->group);
	if (sa->dh == NULL) {
		CNT(ike, E_CRYPTO);
		return -EIO;
	}
	rc = ike_dh_shared(sa->dh, ke->body, ke->len, sa->gxy);
	if (rc < 0) {
		CNT(ike, E_KE);
		ike_dh_free(sa->dh);
		sa->dh = NULL;
		return -EBADMSG;
	}
	sa->gxy_len = (size_t)rc;
	memcpy(sa->gxi, ke->body, ke->len);
	sa->gx_len = ke->len;
	memcpy(sa->ni, ni->body, ni->len);
	sa->ni_len = ni->len;
	if (ike_random(sa->nr, IKE_NONCE_LEN) < 0) {
		CNT(ike, E_CRYPTO);
		return -EIO;
	}
	pub = ike_dh_pub(sa->dh, &publen);
	ike_p1_iv(sa->hash, sa->gxi, sa->gx_len, pub, publen, sa->iv, sa->block);

	if (sa->natt != IKE_NATT_NONE && (nd = ike_pls_find(&pls, natd_type, 0)) != NULL) {
		bool peer_seen = false;

		ike_natd_hash(sa->hash, sa->icky, sa->rcky, ike->local_addr, sa->local_port, natd);
		sa->nat_local = nd->len != hl || memcmp(nd->body, natd, hl) != 0;
		ike_natd_hash(sa->hash, sa->icky, sa->rcky, sa->peer, sa->peer_port, natd);
		for (unsigned int i = 1; (nd = ike_pls_find(&pls, natd_type, i)) != NULL; i++)
			if (nd->len == hl && memcmp(nd->body, natd, hl) == 0)
				peer_seen = true;
		sa->nat_peer = !peer_seen;
	}

	ike_buf_init(&m, sa->icky, sa->rcky, IKE_EXCH_ID_PROT, 0, 0);
	ike_buf_pl(&m, IKE_PL_KE, pub, publen);
	ike_buf_pl(&m, IKE_PL_NONCE, sa->nr, IKE_NONCE_LEN);
	if (sa->natt != IKE_NATT_NONE) {
		/* first the address we see the peer at, then our own (RFC 3947 §3.2) */
		ike_natd_hash(sa->hash, sa->icky, sa->rcky, sa->peer, sa->peer_port, natd);
		ike_buf_pl(&m, natd_type, natd, hl);
		ike_natd_hash(sa->hash, sa->icky, sa->rcky, ike->local_addr, sa->local_port, natd);
		ike_buf_pl(&m, natd_type, natd, hl);
	}
	if (sa->auth != IKE_AUTH_PSK) {
		/* RFC 2408 §3.10: ask for an X.509 signature certificate of one of our CAs */
		const uint8_t *dn;
		size_t dl;

		for (unsigned int i = 0; (dn = ike_certs_ca_dn(sa->certs, i, &dl)) != NULL; i++) {
			size_t o = ike_buf_pl_begin(&m, IKE_PL_CR);

			ike_buf_u8(&m, IKE_CERT_ENC_X509_SIG);
			ike_buf_put(&m, dn, dl);
			ike_buf_pl_end(&m, o);
		}
	}
	if (ike_buf_finish(&m) < 0)
		return -EMSGSIZE;
	rc = mm_send_resp(ike, sa, &m, msg, len);
	if (rc == 0) {
		sa->state = IKE_MM_R2;
		ike_arm_rtx(ike, sa);
	}
	return rc;
}

/* Printable form of an ID payload, for PSK matching, logs and lnsctl. */
static void
id_format(const struct ike_id *id, char *out, size_t n)
{
	if (id->type == IKE_ID_IPV4_ADDR || id->type == IKE_ID_IPV4_SUBNET) {
		if (inet_ntop(AF_INET, id->data, out, (socklen_t)n) == NULL)
			out[0] = 0;
		return;
	}
	size_t l = id->len < n - 1 ? id->len : n - 1;

	for (size_t i = 0; i < l; i++)
		out[i] = isprint(id->data[i]) ? (char)id->data[i] : '?';
	out[l] = 0;
}

static bool
prefix_match(const struct lns_ipv4_prefix *p, uint32_t addr)
{
	uint32_t mask = p->len == 0 ? 0 : htonl(~0u << (32 - p->len));

	return (addr & mask) == (p->addr & mask);
}

/*
 * Candidate PSKs in order: the most specific address match (a 0.0.0.0/0 entry
 * is the group PSK), then every PSK keyed by ID. In Main Mode the ID arrives
 * encrypted under a key made from the PSK, so an ID-keyed PSK can only be
 * found by trying it (RFC 2409 §5.4); the ID is then checked against it.
 */
static unsigned int
psk_candidates(const struct lns_ike *ike, uint32_t peer, const struct lns_psk_conf **out)
{
	const struct lns_ipsec_conf *ic = &ike->conf->ipsec;
	const struct lns_psk_conf *best = NULL;
	unsigned int n = 0;

	for (unsigned int i = 0; i < ic->n_psks; i++) {
		const struct lns_psk_conf *p = &ic->psks[i];

		if (p->id[0] == 0 && p->secret.set && prefix_match(&p->peer, peer) &&
		    (best == NULL || p->peer.len > best->peer.len))
			best = p;
	}
	if (best)
		out[n++] = best;
	for (unsigned int i = 0; i < ic->n_psks; i++)
		if (ic->psks[i].id[0] != 0 && ic->psks[i].secret.set)
			out[n++] = &ic->psks[i];
	return n;
}

static bool
psk_id_ok(const struct lns_psk_conf *p, const struct ike_id *id, const char *id_str)
{
	if (p->id[0] == 0)
		return true;
	if (id->type == IKE_ID_FQDN)
		return strcasecmp(p->id, id_str) == 0;   /* DNS names are case-blind */
	return strcmp(p->id, id_str) == 0;
}

/* Try one PSK on message 5: keys, decrypt, ID, HASH_I. 0 and *plain when it fits. */
static int
mm5_try(struct ike_sa *sa, const struct lns_psk_conf *psk,
	const uint8_t *msg, size_t len, uint8_t *iv_out, uint8_t **plain, struct ike_pls *pls,
	struct ike_id *id, char *id_str)
{
	const struct ike_pl *idp, *hp;
	uint8_t iv[IKE_BLOCK_MAX], hash_i[IKE_HASH_MAX];
	size_t publen;
	const uint8_t *pub = ike_dh_pub(sa->dh, &publen);
	int rc;

	if (ike_p1_derive(sa->hash, (const uint8_t *)psk->secret.value, psk->secret.len,
			  sa->ni, sa->ni_len, sa->nr, IKE_NONCE_LEN, sa->gxy, sa->gxy_len,
			  sa->icky, sa->rcky, &sa->k) < 0 ||
	    ike_p1_enc_key(sa->hash, sa->k.e, sa->k.len, sa->enc_key, sa->key_len) < 0)
		return -EIO;
	memcpy(iv, sa->iv, sa->block);
	rc = ike_decrypt(sa, msg, len, iv, plain);
	if (rc < 0)
		return rc;
	rc = ike_pl_parse(msg[16], *plain + IKE_HDR_LEN, len - IKE_HDR_LEN, true, pls);
	idp = rc == 0 ? ike_pls_find(pls, IKE_PL_ID, 0) : NULL;
	hp = rc == 0 ? ike_pls_find(pls, IKE_PL_HASH, 0) : NULL;
	rc = -EACCES;
	if (idp && hp && hp->len == sa->k.len && ike_id_parse(idp->body, idp->len, id) == 0) {
		id_format(id, id_str, LNS_CONF_NAME_MAX);
		/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) */
		if (psk_id_ok(psk, id, id_str) &&
		    ike_p1_hash(sa->hash, sa->k.skeyid, sa->k.len, sa->gxi, pub, publen,
				sa->icky, sa->rcky, sa->sai_b, sa->sai_len, idp->body, idp->len,
				hash_i) == 0 &&
		    ike_memeq_ct(hash_i, hp->body, sa->k.len) == 0)
			rc = 0;
	}
	if (rc == 0) {
		memcpy(iv_out, iv, sa->block);
		return 0;
	}
	free(*plain);
	*plain = NULL;
	ike_wipe(&sa->k, sizeof(sa->k));
	ike_wipe(sa->enc_key, sizeof(sa->enc_key));
	return rc;
}

/* The ID, ports and INITIAL-CONTACT of an authenticated message 5. */
static bool
mm5_accept(struct ike_sa *sa, const struct ike_pls *pls, const struct ike_id *id,
	   const char *id_str, uint16_t peer_port, uint16_t local_port)
{
	bool initial_contact = false;

	snprintf(sa->peer_id, sizeof(sa->peer_id), "%s", id_str);
	sa->id_proto = id->proto;
	sa->id_port = id->port;
	/* RFC 3947 §4: after the float the peer talks to us on 4500 */
	sa->peer_port = peer_port;
	sa->local_port = local_port;
	for (unsigned int i = 0; i < pls->n; i++) {
		struct ike_notify nt;

		if (pls->p[i].type == IKE_PL_N &&
		    ike_notify_parse(pls->p[i].body, pls->p[i].len, &nt) == 0 &&
		    nt.type == IKE_N_INITIAL_CONTACT)
			initial_contact = true;
	}
	return initial_contact;
}

/* Message 6 (payloads in m) encrypted and sent; the ISAKMP SA is established. */
static int
mm6_finish(struct lns_ike *ike, struct ike_sa *sa, struct ike_buf *m, const uint8_t *msg,
	   size_t len, bool initial_contact)
{
	int rc;

	if (ike_encrypt(sa, m, sa->iv) < 0) {
		CNT(ike, E_CRYPTO);
		return -EIO;
	}
	memcpy(sa->p1_last, sa->iv, sa->block);
	rc = mm_send_resp(ike, sa, m, msg, len);
	if (rc < 0)
		return rc;
	/* g^x private and g^xy are no longer needed: keep only the derived keys */
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	ike_wipe(sa->gxy, sizeof(sa->gxy));
	ike_sa_established(ike, sa);
	CNT(ike, MM_DONE);
	if (sa->vid_initial_contact)
		initial_contact = true;
	/* INITIAL-CONTACT: the client restarted, its old connection is dead and
	 * this is a new one; otherwise a live connection of this endpoint and
	 * identity is renewed, not replaced */
	if (initial_contact || !ike_conn_continue(ike, sa))
		ike->ops.conn_up(ike->ctx, sa->conn, sa->peer, sa->peer_id);
	if (initial_contact)
		ike_initial_contact(ike, sa);
	if (sa->life_shortened) {
		/* RFC 2407 §4.6.3.1: the lifetime we run is shorter than the offer;
		 * say so (protected) rather than let the peer rekey after our expiry */
		uint8_t spi[16], d[24];
		size_t dl = ike_life_attrs(d, IKE_A1_LIFE_TYPE, IKE_A1_LIFE_DUR, sa->life_s, 0);

		memcpy(spi, sa->icky, 8);
		memcpy(spi + 8, sa->rcky, 8);
		ike_send_notify(ike, sa, IKE_N_RESPONDER_LIFETIME, IKE_PROTO_ISAKMP, spi, 16, d, dl);
		CNT(ike, RESPONDER_LIFETIME);
	}
	return 0;
}

/*
 * A refused message 5 with signatures: counted under its reason, logged (event
 * ipsec-refused with the reason), and the peer told with a protected
 * notification (the keys are good: only the authentication failed).
 */
static int
mm5_sig_refuse(struct lns_ike *ike, struct ike_sa *sa, const uint8_t *iv, int counter,
	       uint16_t notify, const char *what, const char *why)
{
	char a[INET_ADDRSTRLEN];
	uint8_t spi[16];

	ike->cnt[counter]++;
	CNT(ike, E_AUTH_FAILED);
	inet_ntop(AF_INET, &sa->peer, a, sizeof(a));
	ike_event(ike, LNS_EV_IPSEC_REFUSED, 0, "%s: %s (%s)", a, what, why);
	/* the Informational's IV chains from the last block of message 5 */
	memcpy(sa->p1_last, iv, sa->block);
	memcpy(spi, sa->icky, 8);
	memcpy(spi + 8, sa->rcky, 8);
	ike_send_notify(ike, sa, notify, IKE_PROTO_ISAKMP, spi, 16, NULL, 0);
	return -EACCES;
}

static const int cert_counter[] = {
	[IKE_CERT_OK]          = LNS_IKE_C_E_AUTH_FAILED,
	[IKE_CERT_E_MALFORMED] = LNS_IKE_C_E_CERT_MALFORMED,
	[IKE_CERT_E_UNTRUSTED] = LNS_IKE_C_E_CERT_UNTRUSTED,
	[IKE_CERT_E_REVOKED]   = LNS_IKE_C_E_CERT_REVOKED,
	[IKE_CERT_E_EXPIRED]   = LNS_IKE_C_E_CERT_EXPIRED,
	[IKE_CERT_E_ID]        = LNS_IKE_C_E_CERT_ID,
	[IKE_CERT_E_SIG]       = LNS_IKE_C_E_BAD_SIG,
};

/* Does an entry of ipsec.cert-peers admit this address and (verified) ID? */
static bool
cert_peer_ok(const struct lns_ike *ike, uint32_t peer, const struct ike_id *id,
	     const char *id_str)
{
	const struct lns_ipsec_conf *ic = &ike->conf->ipsec;

	for (unsigned int i = 0; i < ic->n_cert_peers; i++) {
		const struct lns_cert_peer_conf *p = &ic->cert_peers[i];

		if (!prefix_match(&p->peer, peer))
			continue;
		switch (p->id_type) {
		case LNS_ID_ANY:
			return true;
		case LNS_ID_DER_ASN1_DN:
			if (id->type == IKE_ID_DER_ASN1_DN && ike_dn_cmp(p->id, id_str) == 0)
				return true;
			break;
		case LNS_ID_FQDN:
			if (id->type == IKE_ID_FQDN && strcasecmp(p->id, id_str) == 0)
				return true;
			break;
		case LNS_ID_IPV4_ADDR:
			if (id->type == IKE_ID_IPV4_ADDR && strcmp(p->id, id_str) == 0)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

#define MM5_MAX_CERTS 4

/*
 * Message 5 -> 6 with RSA signatures (RFC 2409 §5.1) or ECDSA (RFC 4754):
 *   HDR*, IDii, [CERT], SIG_I  ->  HDR*, IDir, [CERT], SIG_R
 * SKEYID = prf(Ni_b | Nr_b, g^xy); SIG_I is the initiator's PKCS#1 signature of
 * HASH_I, made with the key of a certificate that chains to a configured CA,
 * is not revoked, and names the ID it sent.
 */
static int
mm5_sig(struct lns_ike *ike, struct ike_sa *sa, const uint8_t *msg, size_t len,
	uint16_t peer_port, uint16_t local_port)
{
	static struct ike_buf m;
	struct ike_pls pls;
	struct ike_id id;
	const struct ike_pl *idp, *sig, *c;
	const uint8_t *extra[MM5_MAX_CERTS];
	size_t extra_len[MM5_MAX_CERTS], publen, own_len, dn_len;
	struct ike_peer_cert *pc = NULL;
	enum ike_cert_verdict v;
	char id_str[LNS_CONF_ID_MAX], why[128];
	uint8_t iv[IKE_BLOCK_MAX], hash[IKE_HASH_MAX], mysig[IKE_SIG_MAX];
	uint8_t *plain = NULL, idr[4 + 1024];
	const uint8_t *pub = ike_dh_pub(sa->dh, &publen), *own, *dn;
	unsigned int n_extra = 0;
	bool initial_contact;
	int rc, sl;

	if (sa->certs == NULL) {
		CNT(ike, E_NO_CERT);
		return -EACCES;
	}
	if (ike_p1_derive_sig(sa->hash, sa->ni, sa->ni_len, sa->nr, IKE_NONCE_LEN, sa->gxy,
			      sa->gxy_len, sa->icky, sa->rcky, &sa->k) < 0 ||
	    ike_p1_enc_key(sa->hash, sa->k.e, sa->k.len, sa->enc_key, sa->key_len) < 0) {
		CNT(ike, E_CRYPTO);
		return -EIO;
	}
	memcpy(iv, sa->iv, sa->block);
	if (ike_decrypt(sa, msg, len, iv, &plain) < 0) {
		CNT(ike, E_CRYPTO);
		return -EACCES;
	}
	rc = ike_pl_parse(msg[16], plain + IKE_HDR_LEN, len - IKE_HDR_LEN, true, &pls);
	idp = rc == 0 ? ike_pls_find(&pls, IKE_PL_ID, 0) : NULL;
	sig = rc == 0 ? ike_pls_find(&pls, IKE_PL_SIG, 0) : NULL;
	if (idp == NULL || sig == NULL || ike_id_parse(idp->body, idp->len, &id) < 0) {
		/* garbage after decryption: the wrong keys or a forged message */
		free(plain);
		CNT(ike, E_MALFORMED);
		return -EACCES;
	}
	c = ike_pls_find(&pls, IKE_PL_CERT, 0);
	if (c == NULL) {
		rc = mm5_sig_refuse(ike, sa, iv, LNS_IKE_C_E_NO_CERT, IKE_N_CERT_UNAVAILABLE,
				    "no certificate", "lnsd keeps no peer certificates");
		goto out;
	}
	if (c->len < 2 || c->body[0] != IKE_CERT_ENC_X509_SIG) {
		rc = mm5_sig_refuse(ike, sa, iv, LNS_IKE_C_E_CERT_MALFORMED,
				    IKE_N_INVALID_CERT_ENCODING, "certificate refused",
				    "not an X.509 signature certificate");
		goto out;
	}
	/* further CERT payloads: intermediates toward our CAs */
	for (unsigned int i = 1; n_extra < MM5_MAX_CERTS; i++) {
		const struct ike_pl *e = ike_pls_find(&pls, IKE_PL_CERT, i);

		if (e == NULL)
			break;
		if (e->len < 2 || e->body[0] != IKE_CERT_ENC_X509_SIG)
			continue;
		extra[n_extra] = e->body + 1;
		extra_len[n_extra++] = e->len - 1u;
	}
	v = ike_certs_verify(sa->certs, c->body + 1, c->len - 1u, extra, extra_len, n_extra,
			     &pc, why, sizeof(why));
	if (v == IKE_CERT_OK) {
		v = ike_peer_cert_id(pc, id.type, id.data, id.len);
		if (v != IKE_CERT_OK)
			snprintf(why, sizeof(why), "ID type %u not in the certificate", id.type);
	}
	if (v != IKE_CERT_OK) {
		rc = mm5_sig_refuse(ike, sa, iv, cert_counter[v],
				    v == IKE_CERT_E_ID ? IKE_N_INVALID_ID_INFO :
				    IKE_N_INVALID_CERTIFICATE, ike_cert_verdict_name(v), why);
		goto out;
	}
	if (id.type == IKE_ID_DER_ASN1_DN) {
		if (ike_dn_text(id.data, id.len, id_str, sizeof(id_str)) < 0)
			snprintf(id_str, sizeof(id_str), "?");
	} else {
		id_format(&id, id_str, sizeof(id_str));
	}
	if (ike_peer_cert_auth(pc) != sa->auth) {
		rc = mm5_sig_refuse(ike, sa, iv, LNS_IKE_C_E_BAD_SIG, IKE_N_INVALID_CERTIFICATE,
				    "certificate key does not fit the method", id_str);
		goto out;
	}
	if (!cert_peer_ok(ike, sa->peer, &id, id_str)) {
		rc = mm5_sig_refuse(ike, sa, iv, LNS_IKE_C_E_CERT_PEER, IKE_N_AUTH_FAILED,
				    "ID not allowed by cert-peers", id_str);
		goto out;
	}
	/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b), signed */
	if (ike_p1_hash(sa->hash, sa->k.skeyid, sa->k.len, sa->gxi, pub, publen, sa->icky,
			sa->rcky, sa->sai_b, sa->sai_len, idp->body, idp->len, hash) < 0 ||
	    ike_peer_cert_sig(pc, hash, sa->k.len, sig->body, sig->len) != IKE_CERT_OK) {
		rc = mm5_sig_refuse(ike, sa, iv, LNS_IKE_C_E_BAD_SIG, IKE_N_INVALID_SIGNATURE,
				    "bad signature", id_str);
		goto out;
	}
	memcpy(sa->iv, iv, sa->block);
	initial_contact = mm5_accept(sa, &pls, &id, id_str, peer_port, local_port);

	/* Message 6: IDir (our subject) | CERT | SIG_R */
	own = ike_certs_own(sa->certs, &own_len);
	dn = ike_certs_own_dn(sa->certs, &dn_len);
	rc = -EIO;
	if (dn_len > sizeof(idr) - 4)
		goto out;
	idr[0] = IKE_ID_DER_ASN1_DN;
	idr[1] = sa->id_proto;
	ike_put16(idr + 2, sa->id_port);
	memcpy(idr + 4, dn, dn_len);
	ike_buf_init(&m, sa->icky, sa->rcky, IKE_EXCH_ID_PROT, 0, 0);
	ike_buf_pl(&m, IKE_PL_ID, idr, 4 + dn_len);
	{
		size_t o = ike_buf_pl_begin(&m, IKE_PL_CERT);

		ike_buf_u8(&m, IKE_CERT_ENC_X509_SIG);
		ike_buf_put(&m, own, own_len);
		ike_buf_pl_end(&m, o);
	}
	/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b), signed */
	if (ike_p1_hash(sa->hash, sa->k.skeyid, sa->k.len, pub, sa->gxi, publen, sa->rcky,
			sa->icky, sa->sai_b, sa->sai_len, idr, 4 + dn_len, hash) < 0 ||
	    (sl = ike_certs_sign(sa->certs, hash, sa->k.len, mysig)) < 0) {
		CNT(ike, E_CRYPTO);
		goto out;
	}
	ike_buf_pl(&m, IKE_PL_SIG, mysig, (size_t)sl);
	CNT(ike, CERT_AUTH_DONE);
	rc = mm6_finish(ike, sa, &m, msg, len, initial_contact);
out:
	ike_peer_cert_free(pc);
	free(plain);
	return rc;
}

/* Message 5 -> 6: authenticate the initiator, answer with our ID and HASH_R. */
static int
mm5(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h, const uint8_t *msg,
    size_t len, uint16_t peer_port, uint16_t local_port)
{
	const struct lns_psk_conf *cand[LNS_CONF_MAX_PSKS + 1];
	static struct ike_buf m;
	struct ike_pls pls;
	struct ike_id id;
	char id_str[LNS_CONF_NAME_MAX];
	uint8_t iv[IKE_BLOCK_MAX], hash_r[IKE_HASH_MAX], idr[8];
	uint8_t *plain = NULL;
	unsigned int n;
	size_t publen;
	const uint8_t *pub = ike_dh_pub(sa->dh, &publen);
	bool initial_contact;
	int rc = -EACCES;

	if (!(h->flags & IKE_FLAG_ENC) || (len - IKE_HDR_LEN) % sa->block != 0 ||
	    len == IKE_HDR_LEN) {
		CNT(ike, E_MALFORMED);
		return -EBADMSG;
	}
	if (sa->auth != IKE_AUTH_PSK)
		return mm5_sig(ike, sa, msg, len, peer_port, local_port);
	n = psk_candidates(ike, sa->peer, cand);
	if (n == 0) {
		CNT(ike, E_NO_PSK);
		return -EACCES;
	}
	for (unsigned int i = 0; i < n && rc != 0; i++)
		rc = mm5_try(sa, cand[i], msg, len, iv, &plain, &pls, &id, id_str);
	if (rc != 0) {
		/* wrong PSK or forged message: the half-open SA goes (RFC 2409 §5) */
		CNT(ike, E_AUTH_FAILED);
		return -EACCES;
	}
	memcpy(sa->iv, iv, sa->block);
	initial_contact = mm5_accept(sa, &pls, &id, id_str, peer_port, local_port);
	free(plain);

	/* Message 6: IDir | HASH_R, encrypted, continuing the CBC chain */
	ike_buf_init(&m, sa->icky, sa->rcky, IKE_EXCH_ID_PROT, 0, 0);
	idr[0] = IKE_ID_IPV4_ADDR;
	idr[1] = sa->id_proto;          /* RFC 2407 §4.6.2: 0/0 or UDP/500, as the peer did */
	ike_put16(idr + 2, sa->id_port);
	memcpy(idr + 4, &ike->local_addr, 4);
	ike_buf_pl(&m, IKE_PL_ID, idr, sizeof(idr));
	/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
	ike_p1_hash(sa->hash, sa->k.skeyid, sa->k.len, pub, sa->gxi, publen, sa->rcky, sa->icky,
		    sa->sai_b, sa->sai_len, idr, sizeof(idr), hash_r);
	ike_buf_pl(&m, IKE_PL_HASH, hash_r, sa->k.len);
	return mm6_finish(ike, sa, &m, msg, len, initial_contact);
}

/*
 * INITIAL-CONTACT (RFC 2407 §4.6.3.3): the peer has rebooted and holds no state,
 * so its older connections are dead. "The peer" is the same address and the
 * same ID: several clients behind one NAT share the address, not the ID.
 */
void
ike_initial_contact(struct lns_ike *ike, struct ike_sa *sa)
{
	struct lns_map_node *n;

	CNT(ike, INITIAL_CONTACT);
restart:
	for (n = lns_map_find(&ike->by_peer, &sa->peer); n;
	     n = lns_map_find_next(&ike->by_peer, n)) {
		struct ike_sa *o = container_of(n, struct ike_sa, h_peer);

		if (o == sa || o->conn == sa->conn ||
		    (o->state != IKE_ESTABLISHED && o->state != IKE_RETIRED) ||
		    strcmp(o->peer_id, sa->peer_id) != 0)
			continue;
		ike_event(ike, LNS_EV_IPSEC_DISCONNECT, o->conn, "initial-contact from conn %u",
			  sa->conn);
		/* the whole connection: every ISAKMP SA of it and their IPsec SAs */
		ike_conn_end(ike, o->conn, true, "initial-contact");
		goto restart;
	}
}

int
ike_mm_input(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
	     const uint8_t *msg, size_t len)
{
	uint8_t dg[20];
	int rc;

	if (h->msgid != 0) {
		CNT(ike, E_MALFORMED);   /* RFC 2408 §3.1: Main Mode uses message id 0 */
		if (sa->sai_b == NULL)
			ike_sa_destroy(ike, sa, false, "bad message 1");
		return -EBADMSG;
	}
	if (sa->req_digest_set) {
		ike_digest(msg, len, dg);
		if (memcmp(dg, sa->req_digest, 20) == 0) {
			/* a retransmitted request gets our last answer, never a second run */
			CNT(ike, DUP_REQUESTS);
			if (sa->resp) {
				CNT(ike, TX_MM);
				ike_tx(ike, sa, sa->resp, sa->resp_len);
			}
			return 0;
		}
	}
	switch (sa->state) {
	case IKE_MM_R1:
		if (sa->sai_b == NULL) {
			rc = mm1(ike, sa, h, msg, len);
			if (rc < 0)
				ike_sa_destroy(ike, sa, false, "message 1 refused");
			return rc;
		}
		return mm3(ike, sa, h, msg, len);
	case IKE_MM_R2:
		rc = mm5(ike, sa, h, msg, len, ike->in_peer_port, ike->in_local_port);
		if (rc == -EACCES)
			ike_sa_destroy(ike, sa, false, "authentication failed");
		return rc;
	case IKE_ESTABLISHED:
	default:
		CNT(ike, E_STATE);
		return -EPROTO;
	}
}
