/* SPDX-License-Identifier: BSD-3-Clause */
/* IKEv1 wire constants (RFC 2407, 2408, 2409, 3706, 3947). */
#ifndef IKE_PROTO_H
#define IKE_PROTO_H

#define IKE_HDR_LEN      28
#define IKE_GEN_LEN      4           /* generic payload header, RFC 2408 §3.2 */
#define IKE_VERSION_1    0x10        /* major 1, minor 0 */

/* Exchange types, RFC 2408 §3.1 / RFC 2409 §9 */
#define IKE_EXCH_ID_PROT 2           /* Main Mode */
#define IKE_EXCH_AGGR    4
#define IKE_EXCH_INFO    5
#define IKE_EXCH_QUICK   32

/* Header flags, RFC 2408 §3.1 */
#define IKE_FLAG_ENC     0x01
#define IKE_FLAG_COMMIT  0x02
#define IKE_FLAG_AUTH    0x04

/* Payload types, RFC 2408 §3.1, RFC 3947 §3 / draft-ietf-ipsec-nat-t-ike-02 */
enum ike_pl_type {
	IKE_PL_NONE = 0, IKE_PL_SA = 1, IKE_PL_P = 2, IKE_PL_T = 3, IKE_PL_KE = 4,
	IKE_PL_ID = 5, IKE_PL_CERT = 6, IKE_PL_CR = 7, IKE_PL_HASH = 8, IKE_PL_SIG = 9,
	IKE_PL_NONCE = 10, IKE_PL_N = 11, IKE_PL_D = 12, IKE_PL_VID = 13,
	IKE_PL_NATD = 20, IKE_PL_NATOA = 21,
	IKE_PL_NATD_DRAFT = 130, IKE_PL_NATOA_DRAFT = 131,
	IKE_PL_FRAG = 132,              /* IKEv1 fragment (vendor-ID "FRAGMENTATION") */
};

#define IKE_DOI_IPSEC    1
#define IKE_SIT_IDENTITY 1

/* Protocol ids, RFC 2407 §4.4.1 */
#define IKE_PROTO_ISAKMP 1
#define IKE_PROTO_ESP    3

/* Phase-1 transform/attributes, RFC 2409 appendix A */
#define IKE_KEY_IKE          1
#define IKE_A1_ENC           1
#define IKE_A1_HASH          2
#define IKE_A1_AUTH          3
#define IKE_A1_GROUP         4
#define IKE_A1_LIFE_TYPE     11
#define IKE_A1_LIFE_DUR      12
#define IKE_A1_KEYLEN        14
#define IKE_ENC_3DES         5
#define IKE_ENC_AES_CBC      7
#define IKE_HASHALG_SHA1     2
#define IKE_HASHALG_SHA256   4
#define IKE_HASHALG_SHA384   5
#define IKE_HASHALG_SHA512   6
#define IKE_AUTH_PSK         1
#define IKE_AUTH_RSA_SIG     3
#define IKE_AUTH_ECDSA_256   9       /* RFC 4754 §3 */
#define IKE_AUTH_ECDSA_384   10
#define IKE_AUTH_ECDSA_521   11
#define IKE_LIFE_SECONDS     1
#define IKE_LIFE_KB          2
#define IKE_GROUP_MODP1024   2
#define IKE_GROUP_MODP1536   5
#define IKE_GROUP_MODP2048   14
#define IKE_GROUP_MODP3072   15
#define IKE_GROUP_MODP4096   16
#define IKE_GROUP_ECP256     19
#define IKE_GROUP_ECP384     20
#define IKE_GROUP_ECP521     21

/* Phase-2 (IPsec DOI) transform ids and attributes, RFC 2407 §4.4.4, §4.5 */
#define IKE_ESP_3DES         3
#define IKE_ESP_AES_CBC      12
#define IKE_ESP_AES_GCM16    20      /* RFC 4106 §8.1 */
#define IKE_A2_LIFE_TYPE     1
#define IKE_A2_LIFE_DUR      2
#define IKE_A2_GROUP         3
#define IKE_A2_ENCAP         4
#define IKE_A2_AUTH          5
#define IKE_A2_KEYLEN        6
#define IKE_AUTHALG_SHA1     2
#define IKE_AUTHALG_SHA256   5
#define IKE_ENCAP_TUNNEL     1
#define IKE_ENCAP_TRANSPORT  2
#define IKE_ENCAP_UDP_TUNNEL 3       /* RFC 3947 §5.1 */
#define IKE_ENCAP_UDP_TRANSPORT 4
#define IKE_ENCAP_UDP_TUNNEL_DRAFT    61443
#define IKE_ENCAP_UDP_TRANSPORT_DRAFT 61444

/* ID types, RFC 2407 §4.6.2.1 */
#define IKE_ID_IPV4_ADDR     1
#define IKE_ID_FQDN          2
#define IKE_ID_USER_FQDN     3
#define IKE_ID_IPV4_SUBNET   4
#define IKE_ID_DER_ASN1_DN   9
#define IKE_ID_KEY_ID        11

/* Notify message types, RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706 */
#define IKE_N_INVALID_PAYLOAD_TYPE  1
#define IKE_N_INVALID_EXCHANGE_TYPE 7
#define IKE_N_INVALID_FLAGS         8
#define IKE_N_INVALID_MESSAGE_ID    9
#define IKE_N_INVALID_SPI           11
#define IKE_N_NO_PROPOSAL_CHOSEN    14
#define IKE_N_PAYLOAD_MALFORMED     16
#define IKE_N_INVALID_KEY_INFO      17
#define IKE_N_INVALID_ID_INFO       18
#define IKE_N_INVALID_CERT_ENCODING 19
#define IKE_N_INVALID_CERTIFICATE   20
#define IKE_N_INVALID_HASH_INFO     23
#define IKE_N_AUTH_FAILED           24
#define IKE_N_INVALID_SIGNATURE     25
#define IKE_N_CERT_UNAVAILABLE      28
#define IKE_N_ERROR_MAX             16383
#define IKE_N_CONNECTED             16384
#define IKE_N_RESPONDER_LIFETIME    24576
#define IKE_N_INITIAL_CONTACT       24578
#define IKE_N_R_U_THERE             36136
#define IKE_N_R_U_THERE_ACK         36137

#endif /* IKE_PROTO_H */
