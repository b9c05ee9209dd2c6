#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e: one input kind through spate-pkg, checked file by file.
#
#   pkg_input.sh SPATE_PKG KIND      KIND: h264_ts | hevc_ts | ladder_ts | flv
#
# (a) every rendition (init + segments, concatenated as the playlist lists
#     them) holds exactly the source's video frames and the audio frames
#     within a frame or two, with the source's duration;
# (b) ffmpeg decodes index.m3u8 and manifest.mpd with no error, every stream
#     with the expected frame count and duration.
. "$(dirname "$0")/lib/common.sh"
kind=${2:?kind}
e2e_init "pkg_input_$kind" "${1:-none}"

DUR_S=10
src="$E2E_TMP/src.$([[ $kind == flv ]] && echo flv || echo ts)"
out="$E2E_TMP/out"

log "generating $kind source, $DUR_S s"
gen_source "$kind" "$src" $DUR_S

nb_video=$(source_streams "$src" | grep -c ' video$' || true)
nb_audio=$(source_streams "$src" | grep -c ' audio$' || true)
src_vframes=$(count_source_frames "$src" v:0)
src_aframes=$(count_source_frames "$src" a:0)
read -r _ _ _ _ _ src_adur < <(probe_stream "$src" a:0)
exp_vframes=$((DUR_S * E2E_FPS))
log "source: $nb_video video ($src_vframes frames), $nb_audio audio ($src_aframes frames, ${src_adur}s)"
((src_vframes == exp_vframes)) || fail "source has $src_vframes video frames, expected $exp_vframes (ffmpeg changed?)"

case $kind in
ladder_ts) exp_res="256x144 426x240 640x360" ;;
*)         exp_res="${E2E_W}x${E2E_H}" ;;
esac
exp_vcodec=h264
[[ $kind == hevc_ts ]] && exp_vcodec=hevc

log "packaging"
pkg_run pkg --epoch-ms 1700000000000 "$src" "$out"
pkg_expect_ok pkg

# --- layout --------------------------------------------------------------
[[ -s $out/index.m3u8 ]] || fail "no index.m3u8"
[[ -s $out/manifest.mpd ]] || fail "no manifest.mpd"
grep -q '^#EXTM3U' "$out/index.m3u8" || fail "index.m3u8 does not start with #EXTM3U"
grep -q 'type="static"' "$out/manifest.mpd" || fail "MPD is not static after the end of input"
if [[ $PKG_MODE == spate ]]; then
    for ((i = 0; i < nb_video; i++)); do
        [[ -s $out/v$i/index.m3u8 ]] || fail "missing v$i/index.m3u8"
    done
    for ((i = 0; i < nb_audio; i++)); do
        [[ -s $out/a$i/index.m3u8 ]] || fail "missing a$i/index.m3u8"
    done
    [[ ! -e $out/v$nb_video ]] || fail "more video renditions than input video streams"
fi

mapfile -t playlists < <(hls_rendition_playlists "$out/index.m3u8")
((${#playlists[@]} == nb_video + nb_audio)) ||
    fail "multivariant lists ${#playlists[@]} renditions, expected $((nb_video + nb_audio)): ${playlists[*]}"

# --- (a) each rendition as files ------------------------------------------
got_res=() nv=0 na=0
for pl in "${playlists[@]}"; do
    rel=${pl#"$out"/}
    [[ -s $pl ]] || fail "$rel missing"
    grep -q '^#EXT-X-ENDLIST' "$pl" || fail "$rel has no ENDLIST after the end of input"
    tgt=$(sed -n 's/^#EXT-X-TARGETDURATION://p' "$pl" | tr -d '\r')
    maxinf=$(awk -F'[:,]' '/^#EXTINF:/ { if ($2 > m) m = $2 } END { printf "%d\n", m + 0.5 }' "$pl")
    ((maxinf <= tgt)) || fail "$rel: an EXTINF rounds to $maxinf s > TARGETDURATION $tgt"
    extinf=$(hls_extinf_sum "$pl")

    cat_file="$E2E_TMP/rendition.mp4"
    rendition_concat "$pl" "$cat_file"
    read -r type codec w h frames dur < <(probe_stream "$cat_file" 0)
    log "$rel: $type $codec ${w}x$h, $frames frames, ${dur}s, EXTINF sum ${extinf}s"
    case $type in
    video)
        nv=$((nv + 1))
        [[ $codec == "$exp_vcodec" ]] || fail "$rel: codec $codec, expected $exp_vcodec"
        ((frames == exp_vframes)) || fail "$rel: $frames video frames, expected $exp_vframes"
        near "$dur" $DUR_S 0.1 || fail "$rel: video duration ${dur}s, expected ${DUR_S}s"
        near "$extinf" $DUR_S 0.1 || fail "$rel: EXTINF sum ${extinf}s, expected ${DUR_S}s"
        nseg=$(grep -c '^#EXTINF' "$pl")
        ((nseg == DUR_S / E2E_GOP_S)) || fail "$rel: $nseg segments, expected $((DUR_S / E2E_GOP_S)) (cut at every 2 s keyframe)"
        got_res+=("${w}x$h")
        ;;
    audio)
        na=$((na + 1))
        [[ $codec == aac ]] || fail "$rel: codec $codec, expected aac"
        ((frames >= src_aframes - 2 && frames <= src_aframes + 2)) ||
            fail "$rel: $frames audio frames, source has $src_aframes"
        near "$dur" "$src_adur" 0.1 || fail "$rel: audio duration ${dur}s, source ${src_adur}s"
        near "$extinf" "$src_adur" 0.15 || fail "$rel: EXTINF sum ${extinf}s, audio is ${src_adur}s"
        ;;
    *) fail "$rel: no media stream in its segments" ;;
    esac
done
((nv == nb_video && na == nb_audio)) || fail "renditions: $nv video + $na audio, expected $nb_video + $nb_audio"
res_sorted=$(printf '%s\n' "${got_res[@]}" | sort -n | paste -sd' ')
[[ $res_sorted == "$exp_res" ]] || fail "video resolutions '$res_sorted', expected '$exp_res'"

# --- (b) ffmpeg reads the manifests ---------------------------------------
for manifest in index.m3u8 manifest.mpd; do
    name=decode_${manifest%%.*}
    decode_check "$out/$manifest" "$name"
    nvs=0
    while read -r idx type; do
        frames=$(decoded_frames "$name" "$idx")
        dur=$(decoded_duration "$name" "$idx")
        log "$manifest stream $idx: $type, $frames frames decoded, ${dur}s"
        case $type in
        video)
            nvs=$((nvs + 1))
            ((frames == exp_vframes)) || fail "$manifest stream $idx: decoded $frames frames, expected $exp_vframes"
            near "$dur" $DUR_S 0.1 || fail "$manifest stream $idx: ${dur}s, expected ${DUR_S}s"
            ;;
        audio)
            ((frames >= src_aframes - 2 && frames <= src_aframes + 2)) ||
                fail "$manifest stream $idx: decoded $frames audio frames, source has $src_aframes"
            near "$dur" "$src_adur" 0.15 || fail "$manifest stream $idx: audio ${dur}s, expected ${src_adur}s"
            ;;
        esac
    done < <(decoded_stream_types "$name")
    ((nvs == nb_video)) || fail "$manifest: ffmpeg saw $nvs video streams, expected $nb_video"
done

log "PASS"
