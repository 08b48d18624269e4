/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builders: Ethernet, IPv4 and UDP with valid checksums, L2TP data (RFC 2661
 * 3.1), PPP in HDLC-like framing (RFC 1662 3.1), ESP (RFC 4303) sealed with OpenSSL,
 * optionally in UDP (RFC 3948), and ARP (RFC 826). Every builder checks its room
 * before it writes.
 */
#include <arpa/inet.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "trafgen.h"

#define ETH_LEN 14
#define IP_LEN 20
#define UDP_LEN 8
#define L2TP_LEN 6          /* flags/version, tunnel id, session id (no L, S, O) */
#define PPP_LEN 4           /* ff 03 00 21 */
#define ESP_HDR 8
#define L2TP_PORT 1701
#define NATT_PORT 4500

uint64_t
tg_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint32_t
tg_cksum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (i < len)
		sum += (uint32_t)b[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t
tg_cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

void
tg_client_mac(uint32_t a, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	memcpy(mac + 2, &a, 4);
}

static void
put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, type);
}

/* IPv4 header (20 bytes, no options, DF clear) with its checksum. */
static void
put_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t tot, uint16_t id)
{
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, tot);
	put16(p + 4, id);
	put16(p + 6, 0);
	p[8] = 64;
	p[9] = proto;
	put16(p + 10, 0);
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	put16(p + 10, (uint16_t)~tg_cksum_fold(tg_cksum_add(0, p, IP_LEN)));
}

/* UDP header over the len - 8 bytes that follow it; checksum over the pseudo-header
 * (RFC 768) when cksum is set, else 0 (allowed over IPv4; RFC 3948 2.1 says so for
 * NAT-T). */
static void
put_udp(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	uint16_t len, bool cksum)
{
	uint8_t ph[12];
	uint16_t c;

	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, len);
	put16(p + 6, 0);
	if (!cksum)
		return;
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = 17;
	put16(ph + 10, len);
	c = (uint16_t)~tg_cksum_fold(tg_cksum_add(tg_cksum_add(0, ph, sizeof(ph)), p, len));
	put16(p + 6, c == 0 ? 0xffff : c);   /* 0 means "none" (RFC 768) */
}

/* Subscriber IPv4/UDP packet of exactly len bytes (len >= 28). */
static void
put_subscriber(uint8_t *p, uint32_t src, uint32_t dst, uint16_t len, uint16_t sport,
	       uint16_t id)
{
	for (uint16_t i = IP_LEN + UDP_LEN; i < len; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	put_ipv4(p, src, dst, 17, len, id);
	put_udp(p + IP_LEN, src, dst, sport, 9 /* discard */, (uint16_t)(len - IP_LEN), true);
}

static bool
is_gcm(uint8_t alg)
{
	return alg == LNS_ESP_AES128_GCM16 || alg == LNS_ESP_AES256_GCM16;
}

static bool
is_3des(uint8_t alg)
{
	return alg == LNS_ESP_3DES_SHA1 || alg == LNS_ESP_3DES_SHA256;
}

static const EVP_CIPHER *
cipher_of(uint8_t alg, uint8_t key_len)
{
	if (is_gcm(alg))
		return key_len == 20 ? EVP_aes_128_gcm() : key_len == 36 ? EVP_aes_256_gcm() : NULL;
	if (is_3des(alg))
		return key_len == 24 ? EVP_des_ede3_cbc() : NULL;
	return key_len == 16 ? EVP_aes_128_cbc() : key_len == 32 ? EVP_aes_256_cbc() : NULL;
}

/* Cipher block (and CBC IV) size: 4-byte alignment for GCM (RFC 4106 3). */
static size_t
block_of(uint8_t alg)
{
	return is_gcm(alg) ? 4 : is_3des(alg) ? 8 : 16;
}

static bool
is_sha1(uint8_t alg)
{
	return alg == LNS_ESP_AES128_SHA1 || alg == LNS_ESP_AES256_SHA1 ||
	       alg == LNS_ESP_3DES_SHA1;
}

/* Bytes ESP adds around a payload of len: header, IV, padding, trailer, ICV. */
static size_t
esp_overhead(uint8_t alg, size_t len)
{
	size_t blk = block_of(alg), ct = (len + 2 + blk - 1) / blk * blk;

	return ESP_HDR + (is_gcm(alg) ? 8 : blk) + (ct - len) +
	       (is_gcm(alg) ? 16 : is_sha1(alg) ? 12 : 16);
}

/*
 * Seal the payload already at out + header + IV (len bytes) in place (RFC 4303 2):
 * self-describing padding 1, 2, 3, ... to the cipher block (GCM: 4, RFC 4106 3;
 * AES-CBC: 16, RFC 3602 2.4; 3DES: 8, RFC 2451 2.3), pad length, next header, then encrypt and append the ICV.
 * GCM: nonce = salt || 8-byte IV, AAD = SPI || sequence number (RFC 4106 5).
 * CBC: random IV, HMAC over header, IV and ciphertext, truncated (RFC 2404, 4868).
 * Returns the ESP length, or 0 on a crypto error.
 */
static size_t
esp_seal(struct tg_sa *sa, uint8_t nh, uint8_t *out, size_t len, uint64_t *rng)
{
	static EVP_CIPHER_CTX *ctx;
	const EVP_CIPHER *ciph = cipher_of(sa->alg, sa->key_len);
	bool gcm = is_gcm(sa->alg);
	size_t blk = block_of(sa->alg), ivl = gcm ? 8 : blk;
	size_t ct = (len + 2 + blk - 1) / blk * blk, pad = ct - len - 2;
	uint8_t *pl = out + ESP_HDR + ivl, iv[16];
	int n = 0, fin = 0;

	if (ciph == NULL)
		return 0;
	if (ctx == NULL && (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return 0;
	sa->seq++;
	put32(out, sa->spi);
	put32(out + 4, sa->seq);
	for (size_t i = 0; i < pad; i++)
		pl[len + i] = (uint8_t)(i + 1);
	pl[len + pad] = (uint8_t)pad;
	pl[len + pad + 1] = nh;

	if (gcm) {
		uint8_t nonce[12];
		int aes_len = sa->key_len - 4;

		sa->iv_ctr++;
		memcpy(nonce, sa->key + aes_len, 4);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] = (uint8_t)(sa->iv_ctr >> (56 - 8 * i));
		memcpy(out + ESP_HDR, nonce + 4, 8);
		if (EVP_EncryptInit_ex(ctx, ciph, NULL, NULL, NULL) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
		    EVP_EncryptInit_ex(ctx, NULL, NULL, sa->key, nonce) != 1 ||
		    EVP_EncryptUpdate(ctx, NULL, &n, out, ESP_HDR) != 1 ||
		    EVP_EncryptUpdate(ctx, pl, &n, pl, (int)ct) != 1 ||
		    EVP_EncryptFinal_ex(ctx, pl + n, &fin) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, pl + ct) != 1)
			return 0;
		return ESP_HDR + ivl + ct + 16;
	}

	{
		const EVP_MD *md = is_sha1(sa->alg) ? EVP_sha1() : EVP_sha256();
		size_t icv = md == EVP_sha1() ? 12 : 16;
		uint8_t mac[EVP_MAX_MD_SIZE];
		unsigned int maclen = 0;

		for (int i = 0; i < 2; i++) {
			uint64_t r = tg_rand(rng);

			memcpy(iv + 8 * i, &r, 8);
		}
		memcpy(out + ESP_HDR, iv, ivl);
		if (EVP_EncryptInit_ex(ctx, ciph, NULL, sa->key, iv) != 1 ||
		    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
		    EVP_EncryptUpdate(ctx, pl, &n, pl, (int)ct) != 1 ||
		    EVP_EncryptFinal_ex(ctx, pl + n, &fin) != 1)
			return 0;
		if (HMAC(md, sa->auth_key, sa->auth_key_len, out, ESP_HDR + ivl + ct, mac,
			 &maclen) == NULL || maclen < icv)
			return 0;
		memcpy(pl + ct, mac, icv);
		return ESP_HDR + ivl + ct + icv;
	}
}

size_t
tg_build_up(struct tg_plan *plan, const struct tg_session *s, uint16_t inner_len,
	    struct tg_opts *o, uint8_t *buf, size_t cap)
{
	static uint16_t ip_id;
	struct tg_sa *sa = s->sa == TG_NONE ? NULL : &plan->sas[s->sa];
	bool tunnel = sa != NULL && sa->mode == LNS_MODE_TUNNEL;
	bool natt = sa != NULL && sa->udp_encap;
	size_t l2 = UDP_LEN + L2TP_LEN + PPP_LEN + inner_len;       /* UDP 1701 onwards */
	size_t payload = l2 + (tunnel ? IP_LEN : 0);              /* what ESP protects */
	size_t outer_l4 = (natt ? UDP_LEN : 0), esp_off, tot;
	uint8_t mac[6], *p;

	if (inner_len < TG_INNER_MIN || inner_len > TG_INNER_MAX)
		return 0;
	tot = IP_LEN + outer_l4 + (sa ? esp_overhead(sa->alg, payload) : 0) + payload;
	if (ETH_LEN + tot > cap || tot > 0xffff)
		return 0;
	tg_client_mac(s->peer, mac);
	put_eth(buf, o->dst_mac, mac, 0x0800);
	esp_off = ETH_LEN + IP_LEN + outer_l4;
	/* The innermost layers first, at their final offsets. */
	p = buf + (sa ? esp_off + ESP_HDR + (is_gcm(sa->alg) ? 8 : block_of(sa->alg)) :
		 ETH_LEN + IP_LEN);
	if (tunnel) {
		/* Host-to-host tunnel mode: inner IPv4 between the same two hosts. */
		put_ipv4(p, s->peer, plan->acc_addr, 17, (uint16_t)payload, ip_id++);
		p += IP_LEN;
	}
	put16(p + UDP_LEN, 0x0002);             /* T=0 L=0 S=0 O=0 P=0, Ver=2 */
	put16(p + UDP_LEN + 2, s->tunnel_id);
	put16(p + UDP_LEN + 4, s->session_id);
	p[UDP_LEN + 6] = 0xff;                  /* HDLC address, control (RFC 1662) */
	p[UDP_LEN + 7] = 0x03;
	put16(p + UDP_LEN + 8, 0x0021);         /* PPP protocol: IPv4 */
	put_subscriber(p + UDP_LEN + L2TP_LEN + PPP_LEN, s->addr, o->remote, inner_len,
		       (uint16_t)(1024 + (s->session_id & 0x7fff)), ip_id++);
	put_udp(p, s->peer, plan->acc_addr, sa ? L2TP_PORT : s->peer_port, L2TP_PORT,
		(uint16_t)l2, true);
	if (sa != NULL) {
		size_t esp = esp_seal(sa, tunnel ? 4 : 17, buf + esp_off, payload, &o->seed);

		if (esp == 0 || esp_off + esp != ETH_LEN + tot)
			return 0;
		if (natt)
			put_udp(buf + ETH_LEN + IP_LEN, s->peer, plan->acc_addr, sa->sport,
				NATT_PORT, (uint16_t)(UDP_LEN + esp), false);
	}
	put_ipv4(buf + ETH_LEN, s->peer, plan->acc_addr, sa == NULL || natt ? 17 : 50,
		 (uint16_t)tot, ip_id++);
	return ETH_LEN + tot;
}

size_t
tg_build_down(const struct tg_plan *plan, const struct tg_session *s, uint16_t inner_len,
	      const struct tg_opts *o, uint8_t *buf, size_t cap)
{
	static uint16_t ip_id;
	uint8_t mac[6];

	if (inner_len < TG_INNER_MIN || inner_len > TG_INNER_MAX ||
	    (size_t)ETH_LEN + inner_len > cap)
		return 0;
	tg_client_mac(plan->core_gw ? plan->core_gw : o->remote, mac);
	put_eth(buf, o->dst_mac, mac, 0x0800);
	put_subscriber(buf + ETH_LEN, o->remote, s->addr, inner_len,
		       (uint16_t)(1024 + (s->session_id & 0x7fff)), ip_id++);
	return ETH_LEN + inner_len;
}

size_t
tg_build_arp(uint32_t sender, uint32_t target, uint8_t *buf, size_t cap)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t mac[6], *a = buf + ETH_LEN;

	if (cap < 60)
		return 0;
	memset(buf, 0, 60);                     /* minimum frame, zero padding */
	tg_client_mac(sender, mac);
	put_eth(buf, bcast, mac, 0x0806);
	put16(a, 1);                            /* Ethernet */
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);                        /* request */
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, &sender, 4);
	memcpy(a + 24, &target, 4);
	return 60;
}
