#!/usr/bin/env node
'use strict'
/**
 * Draws Keyward's app icon (a key on a shield, on an indigo tile) and writes resources/icon.png.
 * No image library: shapes are tested per sub-pixel (4x4 supersampling for smooth edges) and the
 * pixels are encoded as an RGBA PNG with node:zlib. Deterministic: the same bytes every run.
 *
 *   node resources/draw-icon.cjs            writes resources/icon.png (512x512)
 *   node resources/draw-icon.cjs out.png 1024
 */
const fs = require('node:fs')
const path = require('node:path')
const zlib = require('node:zlib')

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

function crc32(buffer) {
  let c = 0xffffffff
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** RGBA pixels (Uint8Array, width*height*4) → PNG bytes. */
function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // colour type: RGBA
  ihdr[10] = 0
  ihdr[11] = 0
  ihdr[12] = 0
  const stride = width * 4
  const raw = Buffer.alloc((stride + 1) * height)
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0 // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

// ── The drawing, in a 512-unit square ─────────────────────────────────────

const TILE = { inset: 24, radius: 104 }
const TOP = [79, 70, 229] // indigo 600
const BOTTOM = [49, 46, 129] // indigo 900
const SHIELD = [255, 255, 255]
const SHIELD_EDGE = [199, 210, 254] // indigo 200
const KEY = [67, 56, 202] // indigo 700

function inRoundedRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
}

/** A heater shield: straight sides, rounded shoulders, curving to a point at the bottom. */
function inShield(x, y, grow) {
  const cx = 256
  const top = 92 - grow
  const mid = 250
  const bottom = 440 + grow
  const half = 150 + grow
  if (y < top || y > bottom) return false
  let w = half
  if (y > mid) {
    const t = (y - mid) / (bottom - mid)
    w = half * Math.pow(Math.cos((t * Math.PI) / 2), 0.75)
  }
  // Shoulders: round the two top corners, and dip the top edge slightly in the middle.
  const shoulder = 40
  if (y < top + shoulder && Math.abs(x - cx) > half - shoulder) {
    const ccx = cx + Math.sign(x - cx) * (half - shoulder)
    if ((x - ccx) ** 2 + (y - (top + shoulder)) ** 2 > shoulder * shoulder) return false
  }
  const dip = 14 * Math.cos(((x - cx) / half) * (Math.PI / 2))
  if (y < top + dip) return false
  return Math.abs(x - cx) <= w
}

function inKey(x, y) {
  const bow = { x: 256, y: 200, outer: 62, inner: 26 }
  const d2 = (x - bow.x) ** 2 + (y - bow.y) ** 2
  if (d2 <= bow.outer ** 2 && d2 >= bow.inner ** 2) return true
  // Shaft
  if (x >= 243 && x <= 269 && y >= bow.y + bow.outer - 6 && y <= 392) return inRoundedRect(x, y, 243, 250, 269, 392, 8)
  // Teeth
  if (inRoundedRect(x, y, 262, 318, 306, 342, 6)) return true
  if (inRoundedRect(x, y, 262, 358, 294, 382, 6)) return true
  return false
}

/** The colour (RGBA 0..255) of one point of the drawing. */
function sample(x, y) {
  const { inset, radius } = TILE
  if (!inRoundedRect(x, y, inset, inset, 512 - inset, 512 - inset, radius)) return [0, 0, 0, 0]
  if (inKey(x, y)) return [...KEY, 255]
  if (inShield(x, y, 0)) return [...SHIELD, 255]
  if (inShield(x, y, 10)) return [...SHIELD_EDGE, 255]
  const t = (y - inset) / (512 - 2 * inset)
  return [0, 1, 2].map((i) => Math.round(TOP[i] + (BOTTOM[i] - TOP[i]) * t)).concat(255)
}

/** Renders the icon at `size` px with 4x4 supersampling (premultiplied averaging). */
function drawIcon(size = 512) {
  const n = 4
  const scale = 512 / size
  const out = new Uint8Array(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const [cr, cg, cb, ca] = sample((px + (sx + 0.5) / n) * scale, (py + (sy + 0.5) / n) * scale)
          r += cr * ca
          g += cg * ca
          b += cb * ca
          a += ca
        }
      }
      const o = (py * size + px) * 4
      if (a > 0) {
        out[o] = Math.round(r / a)
        out[o + 1] = Math.round(g / a)
        out[o + 2] = Math.round(b / a)
      }
      out[o + 3] = Math.round(a / (n * n))
    }
  }
  return encodePng(size, size, out)
}

if (require.main === module) {
  const target = process.argv[2] || path.join(__dirname, 'icon.png')
  const size = Number(process.argv[3] || 512)
  fs.writeFileSync(target, drawIcon(size))
  console.log(`wrote ${target} (${size}x${size})`)
}

module.exports = { drawIcon, encodePng, crc32 }
