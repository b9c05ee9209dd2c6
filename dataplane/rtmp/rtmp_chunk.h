/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_rtmp_chunk: the RTMP chunk stream, both directions.
 *
 * Demuxer (spate_rtmp_chunk_rx): a byte-at-a-time state machine over the
 * chunk stream that comes after the handshake.  It parses basic headers
 * (fmt 0-3; chunk stream ids 2..65599 in the 1, 2 and 3 byte forms),
 * message headers, extended timestamps, and reassembles messages.  It can
 * stop at any byte and resume with the next input; feeding a stream one
 * byte at a time gives exactly the messages that feeding it whole gives.
 *
 * Reassembly is allocation-free.  The owner lends one message buffer per
 * connection (sized for the largest message it accepts, e.g. a video
 * keyframe).  A message that arrives whole inside one input is handed out
 * straight from the caller's bytes, no copy; others are copied into the
 * buffer, where each message in progress reserves its length when its
 * first payload byte arrives.  Reservations stack: chunks of a small
 * message interleaved into a big one (audio inside a keyframe) reserve
 * above it and release on completion, so the buffer needs little more
 * than the largest message.  Out of room -> protocol error.
 *
 * Applies Set Chunk Size (1) and Abort (2) itself, since they change how
 * the following bytes parse; every message, including those, is returned
 * to the caller, which owns all other protocol semantics.
 *
 * Extended timestamps: a timestamp field of 0xffffff means a 32-bit
 * timestamp follows the message header.  Per the spec, a fmt 3 chunk on a
 * chunk stream whose last header had one carries it again.  Some encoders
 * omit it on fmt 3 continuation chunks (the "fmt 3 extended timestamp
 * quirk"); as SRS does, a continuation chunk whose four would-be
 * timestamp bytes do not repeat the stored value takes them as payload.
 *
 * Muxer: spate_rtmp_chunk_write formats one message into a caller buffer
 * (fmt 0 then fmt 3 chunks).  The server sends only small messages.
 *
 * Knows nothing of sockets, DPDK or what messages mean above the chunk
 * layer.
 */
#ifndef SPATE_RTMP_CHUNK_H
#define SPATE_RTMP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPATE_RTMP_CHUNK_SIZE_DEFAULT 128	  /* before Set Chunk Size */
#define SPATE_RTMP_CHUNK_SIZE_MAX     0x7fffffffu /* Set Chunk Size limit */
#define SPATE_RTMP_CSID_MIN	      2
#define SPATE_RTMP_CSID_MAX	      65599
/* Chunk streams one connection may use at once; more -> protocol error. */
#define SPATE_RTMP_MAX_CSIDS 64
/* Biggest message the 24-bit length field can describe. */
#define SPATE_RTMP_MSG_LEN_MAX 0xffffffu
/* Worst case bytes of header per chunk: 3 basic + 11 message + 4 ext. */
#define SPATE_RTMP_CHUNK_HDR_MAX 18

enum spate_rtmp_msg_type {
	SPATE_RTMP_MSG_SET_CHUNK_SIZE = 1,
	SPATE_RTMP_MSG_ABORT = 2,
	SPATE_RTMP_MSG_ACK = 3,
	SPATE_RTMP_MSG_USER_CONTROL = 4,
	SPATE_RTMP_MSG_WINDOW_ACK_SIZE = 5,
	SPATE_RTMP_MSG_SET_PEER_BW = 6,
	SPATE_RTMP_MSG_AUDIO = 8,
	SPATE_RTMP_MSG_VIDEO = 9,
	SPATE_RTMP_MSG_DATA_AMF3 = 15,
	SPATE_RTMP_MSG_SHARED_OBJ_AMF3 = 16,
	SPATE_RTMP_MSG_COMMAND_AMF3 = 17,
	SPATE_RTMP_MSG_DATA_AMF0 = 18,
	SPATE_RTMP_MSG_SHARED_OBJ_AMF0 = 19,
	SPATE_RTMP_MSG_COMMAND_AMF0 = 20,
	SPATE_RTMP_MSG_AGGREGATE = 22,
};

/* Why the demuxer stopped; also the index of the per-lcore counters. */
enum spate_rtmp_perr {
	SPATE_RTMP_PERR_NONE,
	SPATE_RTMP_PERR_HANDSHAKE_VERSION,  /* C0 not 3 */
	SPATE_RTMP_PERR_TOO_MANY_CSIDS,	    /* > max_csids chunk streams */
	SPATE_RTMP_PERR_NO_PREV_HEADER,	    /* fmt 2/3 on a new chunk stream */
	SPATE_RTMP_PERR_HEADER_MID_MESSAGE, /* fmt 0-2 with a message open */
	SPATE_RTMP_PERR_MSG_TOO_BIG,	    /* > max_message_bytes */
	SPATE_RTMP_PERR_NO_BUFFER_SPACE,    /* interleaving overflowed buffer */
	SPATE_RTMP_PERR_BAD_CHUNK_SIZE,	    /* Set Chunk Size 0 / bit 31 */
	SPATE_RTMP_PERR_BAD_CONTROL,	    /* control message too short */
	SPATE_RTMP_PERR_BAD_AMF,	    /* command/data not valid AMF0 */
	SPATE_RTMP_PERR_BAD_COMMAND,	    /* command out of order/malformed */
	SPATE_RTMP_PERR_MAX
};

const char *spate_rtmp_perr_name(enum spate_rtmp_perr e);

/* A reassembled message; data valid until the next input call. */
struct spate_rtmp_msg {
	const uint8_t *data;
	uint32_t len;
	uint32_t timestamp; /* absolute, ms, wraps at 2^32 */
	uint32_t stream_id;
	uint32_t csid;
	uint8_t type;	/* enum spate_rtmp_msg_type */
	bool zero_copy; /* data points into the caller's input */
};

/* Per chunk stream state; csid 0 marks a free slot. */
struct spate_rtmp_csid {
	uint32_t csid;
	uint32_t timestamp; /* of the message in progress / last one */
	uint32_t delta;	    /* fmt 1/2 delta, or fmt 0's field, for fmt 3 */
	uint32_t ext;	    /* last extended timestamp field value */
	uint32_t msg_len;
	uint32_t stream_id;
	uint32_t received; /* payload bytes of the open message so far */
	uint32_t buf_off;  /* its reservation, UINT32_MAX = none */
	uint8_t type;
	uint8_t flags; /* internal */
	uint16_t reserved;
};

struct spate_rtmp_chunk_rx {
	/* Configuration (set by init, chunk_size by Set Chunk Size). */
	uint32_t chunk_size;
	uint32_t max_msg_len;
	uint16_t max_csids;
	uint16_t ncsids; /* slots in use: cs[0..ncsids) */
	/* The lent message buffer and its reservation stack top. */
	uint8_t *buf;
	uint32_t buf_cap;
	uint32_t buf_top;
	/* Totals. */
	uint64_t bytes;	   /* chunk stream bytes consumed (for acks) */
	uint64_t chunks;   /* basic headers parsed */
	uint64_t messages; /* messages returned */
	uint64_t copied;   /* payload bytes copied into buf */
	/* Parser position. */
	uint8_t state;
	uint8_t fmt;
	uint8_t need; /* header bytes wanted in hdr */
	uint8_t got;
	uint8_t perr; /* enum spate_rtmp_perr after an error */
	uint8_t reserved[3];
	uint8_t hdr[12];
	uint32_t chunk_left; /* payload bytes left in this chunk */
	uint32_t cur;	     /* index of the current chunk stream in cs */
	struct spate_rtmp_csid cs[SPATE_RTMP_MAX_CSIDS];
};

/*
 * buf/buf_cap: the lent message buffer.  max_msg_len: messages longer are
 * a protocol error (<= SPATE_RTMP_MSG_LEN_MAX).  max_csids: <=
 * SPATE_RTMP_MAX_CSIDS (0 = that).
 */
void spate_rtmp_chunk_rx_init(struct spate_rtmp_chunk_rx *rx, uint8_t *buf,
			      uint32_t buf_cap, uint32_t max_msg_len,
			      unsigned max_csids);

/*
 * Parses from data until a message completes or the input runs out.
 * *consumed gets the bytes used.  Returns 1 with *msg filled (call again
 * with the rest of the input), 0 when all input was used without
 * completing a message, or -EPROTO (rx->perr says why; the connection is
 * unusable).
 */
int spate_rtmp_chunk_input(struct spate_rtmp_chunk_rx *rx, const uint8_t *data,
			   size_t len, size_t *consumed,
			   struct spate_rtmp_msg *msg);

/* Bytes spate_rtmp_chunk_write needs for a message. */
size_t spate_rtmp_chunk_write_size(uint32_t chunk_size, uint32_t csid,
				   uint32_t timestamp, uint32_t len);

/*
 * Formats one message as chunks of chunk_size (fmt 0, then fmt 3 with the
 * extended timestamp repeated when timestamp >= 0xffffff).  Returns bytes
 * written, -ENOSPC, or -EINVAL (csid out of range, len > 24 bits,
 * chunk_size 0).
 */
int spate_rtmp_chunk_write(uint8_t *out, size_t cap, uint32_t chunk_size,
			   uint32_t csid, uint8_t type, uint32_t stream_id,
			   uint32_t timestamp, const void *payload,
			   uint32_t len);

#endif /* SPATE_RTMP_CHUNK_H */
