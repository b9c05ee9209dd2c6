/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_rtmp_conn: one RTMP publisher connection, server side, driven
 * through a transport-neutral interface (like spate_http_conn).
 *
 *   owner (DPDK TCP, or a test)              spate_rtmp_conn
 *   ---------------------------              ---------------
 *   bytes arrived   -> spate_rtmp_conn_input(conn, data, len, now_ms)
 *   timer due       -> spate_rtmp_conn_timer(conn, now_ms)
 *   peer FIN        -> spate_rtmp_conn_eof(conn, now_ms)
 *   RST / teardown  -> spate_rtmp_conn_fini(conn)
 *                   <- ops->send / random / msgbuf_get / msgbuf_put
 *                   <- ops->connect / authorize / on_metadata / on_media
 *                   <- ops->unpublish / close
 *
 * Phases:
 *   HANDSHAKE  C0 C1 -> S0 S1 S2 -> C2 (rtmp_handshake.h); handshake timer
 *   CONNECT    chunk stream up, waiting for the connect command
 *   CONNECTED  connect answered; releaseStream / FCPublish / createStream
 *   PUBLISHING publish authorized: metadata and media flow to the owner
 *   CLOSED     ops->close was called; the conn ignores everything
 * After the handshake the idle timer runs: no bytes for idle_timeout_ms
 * closes the connection.
 *
 * The command exchange follows what ffmpeg, OBS (librtmp) and GStreamer's
 * rtmp2sink expect from nginx-rtmp and commercial servers:
 *   connect        -> Window Ack Size, Set Peer Bandwidth, Set Chunk Size,
 *                     _result NetConnection.Connect.Success
 *   releaseStream  -> _result
 *   FCPublish      -> onFCPublish NetStream.Publish.Start
 *   createStream   -> _result <stream id>
 *   publish <key>  -> ops->authorize(app, key): ok -> Stream Begin +
 *                     onStatus NetStream.Publish.Start; -ENOENT (or any
 *                     error) -> onStatus NetStream.Publish.BadName, close
 *   @setDataFrame onMetaData / onMetaData -> ops->on_metadata
 *   audio / video  -> ops->on_media (FLV tag bodies, E-RTMP understood)
 *   FCUnpublish    -> onFCUnpublish; deleteStream / closeStream -> the
 *                     stream ends (ops->unpublish)
 * Protocol control: Set Chunk Size and Abort (chunk layer), Window Ack
 * Size from the peer (we then send Acknowledgements each window), Set Peer
 * Bandwidth (noted), User Control ping request -> ping response.
 *
 * Memory: this struct (see spate_rtmp_conn_size) plus one message buffer
 * borrowed from the owner when the handshake completes and returned on
 * close, so a connection still in its handshake holds no big buffer.  The
 * handshake's C1 copy and the chunk stream table share storage.  Outgoing
 * bytes are built in per-lcore scratch and handed to ops->send, which
 * copies them.  No allocation anywhere.
 *
 * Everything per-lcore (config, counters, scratch) lives in struct
 * spate_rtmp_lcore, touched only by its lcore: no atomics, no locks.
 * Knows nothing of DPDK, sockets or TCP.
 */
#ifndef SPATE_RTMP_SESSION_H
#define SPATE_RTMP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amf0.h"
#include "rtmp_chunk.h"
#include "rtmp_flv.h"
#include "rtmp_handshake.h"

/* ---- Configuration ------------------------------------------------------ */

#define SPATE_RTMP_DEFAULT_HANDSHAKE_TIMEOUT_MS 10000
#define SPATE_RTMP_DEFAULT_IDLE_TIMEOUT_MS	30000
/* A 4K keyframe at a high bitrate fits; the 24-bit length caps it at 16 MB. */
#define SPATE_RTMP_DEFAULT_MAX_MESSAGE_BYTES (8u << 20)
#define SPATE_RTMP_DEFAULT_OUT_CHUNK_SIZE    4096
#define SPATE_RTMP_DEFAULT_WINDOW_ACK_SIZE   2500000
#define SPATE_RTMP_DEFAULT_PEER_BANDWIDTH    2500000
/* connect's app name; longer -> protocol error. */
#define SPATE_RTMP_MAX_APP_LEN 128
/* Per-lcore scratch for outgoing bytes (S0S1S2 is 3073). */
#define SPATE_RTMP_TX_SCRATCH 8192
/* Per-lcore scratch for one command's AMF body. */
#define SPATE_RTMP_AMF_SCRATCH 2048

struct spate_rtmp_config {
	/* C0 to the end of C2, counted from the connection's start. */
	uint32_t handshake_timeout_ms;
	/* After the handshake: no byte received for this long -> close. */
	uint32_t idle_timeout_ms;
	/*
	 * Largest message accepted; bigger -> protocol error, that
	 * connection closes.  The owner's message buffer should be a little
	 * bigger than this (interleaved audio reserves above a keyframe).
	 */
	uint32_t max_message_bytes;
	/* Chunk streams per connection, <= SPATE_RTMP_MAX_CSIDS. */
	uint32_t max_chunk_streams;
	/* What we announce with Set Chunk Size and send with. */
	uint32_t out_chunk_size;
	/* Window Ack Size and Set Peer Bandwidth we send after connect. */
	uint32_t window_ack_size;
	uint32_t peer_bandwidth;
};

void spate_rtmp_config_default(struct spate_rtmp_config *cfg);
/* 0 or -EINVAL (zero timeouts or sizes, limits beyond the protocol's). */
int spate_rtmp_config_check(const struct spate_rtmp_config *cfg);

/* ---- Per-lcore counters ------------------------------------------------- */

/*
 * Plain uint64_t written only by the owning lcore; a stats reader sums
 * lcores with spate_rtmp_counters_add (aligned loads do not tear).
 */
struct spate_rtmp_counters {
	uint64_t conns_opened;
	uint64_t conns_closed;
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t chunks_in;
	uint64_t messages_in;
	uint64_t messages_out;
	uint64_t bytes_copied; /* payload reassembled into message buffers */
	uint64_t handshakes_simple;
	uint64_t handshakes_digest;
	uint64_t commands;
	uint64_t commands_ignored; /* unknown / unanswered commands */
	uint64_t connects;
	uint64_t connects_rejected;
	uint64_t publishes;
	uint64_t bad_names;	   /* authorize -ENOENT */
	uint64_t publish_rejected; /* authorize, other errors */
	uint64_t unpublishes;
	uint64_t metadata;
	uint64_t audio_msgs;
	uint64_t video_msgs;
	uint64_t ertmp_video_msgs; /* enhanced RTMP video headers */
	uint64_t media_bytes;
	uint64_t media_dropped;	  /* media before publish */
	uint64_t media_malformed; /* too short to parse: dropped */
	uint64_t acks_sent;
	uint64_t pings_answered;
	uint64_t timeout_handshake;
	uint64_t timeout_idle;
	uint64_t send_errors;
	uint64_t msgbuf_exhausted;
	uint64_t protocol_errors[SPATE_RTMP_PERR_MAX]; /* by reason */
};

void spate_rtmp_counters_add(struct spate_rtmp_counters *dst,
			     const struct spate_rtmp_counters *src);

struct spate_rtmp_lcore {
	const struct spate_rtmp_config *cfg;
	struct spate_rtmp_counters stats;
	uint32_t tx_len;
	uint8_t tx[SPATE_RTMP_TX_SCRATCH];
	uint8_t amf[SPATE_RTMP_AMF_SCRATCH];
};

/* cfg (checked here) must outlive lc.  0 or -EINVAL. */
int spate_rtmp_lcore_init(struct spate_rtmp_lcore *lc,
			  const struct spate_rtmp_config *cfg);

/* ---- The transport interface ------------------------------------------- */

enum spate_rtmp_close_reason {
	SPATE_RTMP_CLOSE_PEER,		    /* peer FIN: flush, FIN */
	SPATE_RTMP_CLOSE_PROTOCOL,	    /* malformed input (see perr):
					       abort */
	SPATE_RTMP_CLOSE_BAD_NAME,	    /* publish refused; onStatus
					       queued: flush, FIN */
	SPATE_RTMP_CLOSE_REJECTED,	    /* connect refused; _error queued */
	SPATE_RTMP_CLOSE_HANDSHAKE_TIMEOUT, /* abort */
	SPATE_RTMP_CLOSE_IDLE_TIMEOUT,	    /* abort */
	SPATE_RTMP_CLOSE_SEND_FAILED,	    /* transport refused: abort */
	SPATE_RTMP_CLOSE_NO_BUFFER,	    /* msgbuf_get failed: abort */
	SPATE_RTMP_CLOSE_MEDIA_REJECTED,    /* on_media/on_metadata < 0 */
	SPATE_RTMP_CLOSE_REASON_MAX
};

const char *spate_rtmp_close_reason_name(enum spate_rtmp_close_reason r);

/* String views below are valid only during the callback. */
struct spate_rtmp_connect_info {
	struct spate_amf0_str app;
	struct spate_amf0_str tc_url;	 /* empty when absent */
	struct spate_amf0_str flash_ver; /* "FMLE/3.0 (compatible; ...)" */
	bool fourcc_list;		 /* E-RTMP capable client */
};

/* onMetaData, the fields the packager and operators look at. */
struct spate_rtmp_metadata {
	const uint8_t *amf; /* "onMetaData" + its array: an FLV script tag
			       body (without @setDataFrame) */
	uint32_t amf_len;
	uint32_t timestamp_ms;
	double width;
	double height;
	double framerate;
	double video_kbps;
	double audio_kbps;
	double audio_sample_rate;
	uint32_t video_codec; /* number as sent: FLV id or E-RTMP FourCC */
	uint32_t audio_codec;
	struct spate_amf0_str encoder;
};

/*
 * Callbacks into the owner.  They run on the conn's lcore, inside
 * spate_rtmp_conn_* calls, and must not call back into the same conn.
 */
struct spate_rtmp_conn_ops {
	/*
	 * Queue bytes for the peer; copy them (per-lcore scratch).  0, or a
	 * negative errno: the conn closes (SEND_FAILED).
	 */
	int (*send)(void *ctx, const void *data, size_t len);
	/* Fill buf with random bytes (S1/S2). */
	void (*random)(void *ctx, void *buf, size_t len);
	/*
	 * Lend / take back the message buffer (at least max_message_bytes
	 * is best; *size says how big).  NULL: the conn closes (NO_BUFFER).
	 */
	void *(*msgbuf_get)(void *ctx, uint32_t *size);
	void (*msgbuf_put)(void *ctx, void *buf);
	/* connect received; 0 accepts, <0 -> _error Rejected + close.  May
	 * be NULL (accept all). */
	int (*connect)(void *ctx, const struct spate_rtmp_connect_info *ci);
	/*
	 * publish: app from connect, key = the stream name up to any '?'.
	 * 0 with *stream = the owner's channel/rendition handle; -ENOENT
	 * unknown key (BadName), other negative errno refused (BadName too,
	 * counted apart).
	 */
	int (*authorize)(void *ctx, const char *app, size_t app_len,
			 const char *key, size_t key_len, void **stream);
	/* Metadata while publishing; may be NULL.  <0 closes. */
	int (*on_metadata)(void *ctx, void *stream,
			   const struct spate_rtmp_metadata *md);
	/*
	 * Audio / video while publishing: m->data/len is the FLV tag body,
	 * m->timestamp_ms its time, the rest describes it.  The owner
	 * copies what it keeps (e.g. into the ring to the packager) and
	 * counts its own drops.  <0 closes (MEDIA_REJECTED).
	 */
	int (*on_media)(void *ctx, void *stream,
			const struct spate_rtmp_media *m);
	/* The publish ended (FCUnpublish/deleteStream/closeStream, or the
	 * connection is closing).  stream is authorize's handle. */
	void (*unpublish)(void *ctx, void *stream);
	/*
	 * The conn is finished; its last action.  The owner may free the
	 * conn inside this callback.
	 */
	void (*close)(void *ctx, enum spate_rtmp_close_reason reason);
};

/* ---- The connection ------------------------------------------------------ */

enum spate_rtmp_phase {
	SPATE_RTMP_PHASE_HANDSHAKE,
	SPATE_RTMP_PHASE_CONNECT,
	SPATE_RTMP_PHASE_CONNECTED,
	SPATE_RTMP_PHASE_PUBLISHING,
	SPATE_RTMP_PHASE_CLOSED,
};

struct spate_rtmp_conn {
	const struct spate_rtmp_conn_ops *ops;
	void *ctx;
	struct spate_rtmp_lcore *lc;
	void *stream;	      /* authorize's handle while publishing */
	void *msgbuf;	      /* borrowed after the handshake */
	uint64_t deadline_ms; /* next timer expiry, 0 = none */
	uint64_t acked_bytes; /* rx.bytes when we last sent an Ack */
	uint32_t ack_window;  /* peer's Window Ack Size, 0 = none */
	uint32_t peer_bw;     /* peer's Set Peer Bandwidth */
	uint32_t out_chunk_size;
	uint32_t stream_id;	 /* publishing stream */
	uint32_t next_stream_id; /* createStream */
	uint8_t phase;		 /* enum spate_rtmp_phase */
	uint8_t perr;		 /* enum spate_rtmp_perr after PROTOCOL */
	uint8_t hs_kind;	 /* enum spate_rtmp_hs_kind */
	uint8_t flags;		 /* internal */
	uint8_t app_len;
	char app[SPATE_RTMP_MAX_APP_LEN];
	union {
		struct spate_rtmp_hs hs;       /* HANDSHAKE */
		struct spate_rtmp_chunk_rx rx; /* afterwards */
	} u;
};

static inline size_t spate_rtmp_conn_size(void)
{
	return sizeof(struct spate_rtmp_conn);
}

/* Starts in HANDSHAKE with the handshake timer armed.  Never calls ops. */
void spate_rtmp_conn_init(struct spate_rtmp_conn *conn,
			  struct spate_rtmp_lcore *lc,
			  const struct spate_rtmp_conn_ops *ops, void *ctx,
			  uint64_t now_ms);

/*
 * Feeds received bytes (len <= INT_MAX); all are consumed.  Returns len,
 * or -EPIPE when the conn has closed (ops->close was called).
 */
int spate_rtmp_conn_input(struct spate_rtmp_conn *conn, const void *data,
			  size_t len, uint64_t now_ms);

/* Runs the timer if due.  0 (open) or -EPIPE (closed). */
int spate_rtmp_conn_timer(struct spate_rtmp_conn *conn, uint64_t now_ms);

/* When to call spate_rtmp_conn_timer next (monotonic ms), 0 = never. */
static inline uint64_t spate_rtmp_conn_deadline(const struct spate_rtmp_conn *c)
{
	return c->deadline_ms;
}

/* The peer half-closed: the publish ends, the conn closes.  -EPIPE. */
int spate_rtmp_conn_eof(struct spate_rtmp_conn *conn, uint64_t now_ms);

/*
 * The owner tears the connection down without a close callback (RST):
 * ends the publish (ops->unpublish), returns the message buffer, counts
 * the close.  Safe on a conn that already closed.
 */
void spate_rtmp_conn_fini(struct spate_rtmp_conn *conn);

static inline enum spate_rtmp_phase
spate_rtmp_conn_phase(const struct spate_rtmp_conn *c)
{
	return (enum spate_rtmp_phase)c->phase;
}

/* Why a PROTOCOL close happened, for the owner's log line. */
static inline enum spate_rtmp_perr
spate_rtmp_conn_perr(const struct spate_rtmp_conn *c)
{
	return (enum spate_rtmp_perr)c->perr;
}

#endif /* SPATE_RTMP_SESSION_H */
