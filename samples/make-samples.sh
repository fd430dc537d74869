#!/usr/bin/env bash
# Makes the clear sample media under samples/ (see samples/README.md).
# Debian ffmpeg 5.1 (libx264, libx265, native aac/ac3/eac3) and Shaka Packager from
# node_modules. Sources are synthetic (testsrc2, aevalsrc tones), flags are bitexact and
# single-threaded where the encoder allows, so a re-run gives the same frames.
# Usage: samples/make-samples.sh   (from anywhere; takes ~1 minute on 2 cores)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PACKAGER="$ROOT/node_modules/shaka-packager/bin/packager-linux-x64"
DUR=6          # seconds of media
FPS=25
GOP=50         # 2 s GOPs
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

FF=(nice -n 10 ffmpeg -hide_banner -loglevel error -y)
BITEXACT=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1 -map_chapters -1)
# CMAF-style fragmented MP4: init (ftyp+moov) then moof+mdat pairs, base offsets from moof.
FRAG_V=(-movflags +frag_keyframe+empty_moov+default_base_moof+cmaf)
# Audio has no key frames to cut on: cut by duration. delay_moov lets the muxer see the
# first (E-)AC-3 frame before it writes dac3/dec3.
FRAG_A=(-movflags +empty_moov+delay_moov+default_base_moof+cmaf -frag_duration 2000000)

VIDEO_SRC="testsrc2=size=1280x720:rate=$FPS:duration=$DUR"
AUDIO_SRC="aevalsrc=0.3*sin(2*PI*440*t)+0.02*sin(2*PI*3000*t)|0.3*sin(2*PI*660*t)+0.02*sin(2*PI*5000*t):s=48000:d=$DUR"
X264=(-c:v libx264 -profile:v high -preset veryfast -threads 1 -pix_fmt yuv420p
  -b:v 300k -maxrate 400k -bufsize 600k -g $GOP -keyint_min $GOP -sc_threshold 0 -bf 3
  -x264-params "b-pyramid=normal:open-gop=0")

mkdir -p "$HERE/media" "$HERE/ts"

echo "elementary encodes"
"${FF[@]}" -f lavfi -i "$VIDEO_SRC" "${X264[@]}" "${BITEXACT[@]}" "$WORK/avc.mp4"
"${FF[@]}" -f lavfi -i "$VIDEO_SRC" "${X264[@]}" -slices 4 "${BITEXACT[@]}" "$WORK/avc-slices.mp4"
"${FF[@]}" -f lavfi -i "$VIDEO_SRC" -c:v libx265 -preset ultrafast -pix_fmt yuv420p -b:v 300k \
  -x265-params "keyint=$GOP:min-keyint=$GOP:scenecut=0:bframes=3:pools=1:frame-threads=1:log-level=error" \
  -tag:v hvc1 "${BITEXACT[@]}" "$WORK/hevc.mp4"
"${FF[@]}" -f lavfi -i "$AUDIO_SRC" -c:a aac -profile:a aac_low -b:a 96k -ac 2 "${BITEXACT[@]}" "$WORK/aac.mp4"
"${FF[@]}" -f lavfi -i "$AUDIO_SRC" -c:a ac3 -b:a 96k -ac 2 "${BITEXACT[@]}" "$WORK/ac3.mp4"
"${FF[@]}" -f lavfi -i "$AUDIO_SRC" -c:a eac3 -b:a 96k -ac 2 "${BITEXACT[@]}" "$WORK/eac3.mp4"

echo "fragmented MP4 (samples/media)"
M="$HERE/media"
for v in avc avc-slices hevc; do
  "${FF[@]}" -i "$WORK/$v.mp4" -c copy "${BITEXACT[@]}" "${FRAG_V[@]}" "$M/$v.mp4"
done
for a in aac ac3 eac3; do
  "${FF[@]}" -i "$WORK/$a.mp4" -c copy "${BITEXACT[@]}" "${FRAG_A[@]}" "$M/$a.mp4"
done
"${FF[@]}" -i "$WORK/avc.mp4" -i "$WORK/aac.mp4" -map 0:v -map 1:a -c copy "${BITEXACT[@]}" \
  "${FRAG_V[@]}" "$M/muxed.mp4"
"${FF[@]}" -i "$WORK/avc.mp4" -c copy "${BITEXACT[@]}" \
  -movflags +frag_keyframe+empty_moov+default_base_moof+cmaf+global_sidx "$M/avc-sidx.mp4"
# Not fragmented (moov with stbl, one mdat): the input encryptFile must refuse.
"${FF[@]}" -i "$WORK/avc.mp4" -c copy "${BITEXACT[@]}" -movflags +faststart "$M/progressive.mp4"

echo "MPEG-TS (samples/ts)"
"${FF[@]}" -i "$WORK/avc.mp4" -i "$WORK/aac.mp4" -map 0:v -map 1:a -c copy "${BITEXACT[@]}" \
  -f mpegts "$HERE/ts/avc-aac.ts"
"${FF[@]}" -i "$WORK/avc.mp4" -i "$WORK/ac3.mp4" -map 0:v -map 1:a -c copy "${BITEXACT[@]}" \
  -f mpegts "$HERE/ts/avc-ac3.ts"

echo "ffmpeg DASH and HLS packages"
for d in dash dash-timeline hls-fmp4 hls-ts dash-shaka dash-shaka-single hls-shaka; do
  rm -rf "${HERE:?}/$d"; mkdir -p "$HERE/$d"
done
DASH=(-map 0:v -map 1:a -c copy "${BITEXACT[@]}" -f dash -seg_duration 2 -use_template 1
  -adaptation_sets "id=0,streams=v id=1,streams=a")
(cd "$HERE/dash" && "${FF[@]}" -i "$WORK/avc.mp4" -i "$WORK/aac.mp4" "${DASH[@]}" -use_timeline 0 manifest.mpd)
(cd "$HERE/dash-timeline" && "${FF[@]}" -i "$WORK/avc.mp4" -i "$WORK/aac.mp4" "${DASH[@]}" -use_timeline 1 manifest.mpd)
# fMP4 HLS: one video variant referring to one audio rendition group.
(cd "$HERE/hls-fmp4" && "${FF[@]}" -i "$WORK/avc.mp4" -i "$WORK/aac.mp4" -map 0:v -map 1:a -c copy \
  "${BITEXACT[@]}" -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type fmp4 \
  -hls_fmp4_init_filename init.mp4 -hls_segment_filename '%v/seg_%03d.m4s' \
  -master_pl_name master.m3u8 -var_stream_map "v:0,agroup:aud,name:video a:0,agroup:aud,name:audio" \
  '%v/index.m3u8')
# TS HLS: one muxed variant (H.264 + AAC in each segment).
(cd "$HERE/hls-ts" && "${FF[@]}" -i "$WORK/avc.mp4" -i "$WORK/aac.mp4" -map 0:v -map 1:a -c copy \
  "${BITEXACT[@]}" -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type mpegts \
  -hls_segment_filename 'seg_%03d.ts' -master_pl_name master.m3u8 index.m3u8)

echo "Shaka Packager clear packages"
P=(nice -n 10 "$PACKAGER" --quiet)
(cd "$HERE/dash-shaka" && "${P[@]}" \
  "in=$M/avc.mp4,stream=video,init_segment=video/init.mp4,segment_template=video/\$Number\$.m4s" \
  "in=$M/aac.mp4,stream=audio,init_segment=audio/init.mp4,segment_template=audio/\$Number\$.m4s" \
  --segment_duration 2 --generate_static_live_mpd --mpd_output manifest.mpd >/dev/null)
(cd "$HERE/dash-shaka-single" && "${P[@]}" \
  "in=$M/avc.mp4,stream=video,output=video.mp4" "in=$M/aac.mp4,stream=audio,output=audio.mp4" \
  --segment_duration 2 --mpd_output manifest.mpd >/dev/null)
(cd "$HERE/hls-shaka" && "${P[@]}" \
  "in=$M/avc.mp4,stream=video,init_segment=video/init.mp4,segment_template=video/\$Number\$.m4s,playlist_name=video.m3u8" \
  "in=$M/aac.mp4,stream=audio,init_segment=audio/init.mp4,segment_template=audio/\$Number\$.m4s,playlist_name=audio.m3u8,hls_group_id=audio,hls_name=audio" \
  --segment_duration 2 --hls_playlist_type VOD --hls_master_playlist_output master.m3u8 >/dev/null)

du -sh "$HERE"
