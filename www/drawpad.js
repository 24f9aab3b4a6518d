// The draw pad: pointer events (mouse, touch, pen) on a canvas, white ink on black like MNIST,
// and MNIST-style preprocessing into the 784 inputs the network sees.

const INK_THRESHOLD = 0.05;

/**
 * MNIST preprocessing of a grayscale image (values in [0, 1], width x height):
 * the bounding box of the ink is scaled into 20x20 keeping its aspect ratio (area averaging),
 * then placed in 28x28 so that its centre of mass is at the centre. Returns a Float32Array(784),
 * or null when there is no ink.
 */
export function preprocess(gray, width, height) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x] > INK_THRESHOLD) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)), th = Math.max(1, Math.round(bh * scale));
  // Area averaging: every source pixel adds its ink to the target pixels it overlaps.
  const box = new Float64Array(tw * th);
  for (let y = y0; y <= y1; y++) {
    const ty0 = (y - y0) * scale, ty1 = ty0 + scale;
    for (let x = x0; x <= x1; x++) {
      const v = gray[y * width + x];
      if (v <= 0) continue;
      const tx0 = (x - x0) * scale, tx1 = tx0 + scale;
      for (let ty = Math.floor(ty0); ty < Math.min(th, Math.ceil(ty1)); ty++) {
        const oy = Math.min(ty1, ty + 1) - Math.max(ty0, ty);
        if (oy <= 0) continue;
        for (let tx = Math.floor(tx0); tx < Math.min(tw, Math.ceil(tx1)); tx++) {
          const ox = Math.min(tx1, tx + 1) - Math.max(tx0, tx);
          if (ox > 0) box[ty * tw + tx] += v * ox * oy;
        }
      }
    }
  }
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = Math.min(1, box[y * tw + x]);
      box[y * tw + x] = v;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const ox = Math.round(14 - mx / mass), oy = Math.round(14 - my / mass);
  const out = new Float32Array(784);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const X = x + ox, Y = y + oy;
      if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = box[y * tw + x];
    }
  }
  return out;
}

/** Paints 784 values in [0, 1] on a 28x28 canvas (white on black). */
export function paintPreview(canvas, input) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = input ? Math.round(255 * Math.max(0, Math.min(1, input[i]))) : 0;
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * Wires the pad. onInput(input | null, {final}) is called at most every `throttleMs` while
 * drawing and once at the end of each stroke.
 */
export function createDrawPad(canvas, { onInput, throttleMs = 80 }) {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let drawing = false;
  let last = null;
  let lastSent = 0;
  let pendingTimer = null;
  let input = null;

  /** Black pad, no input. */
  function clear() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    input = null;
    onInput(null, { final: true });
  }

  // The pad is read at WORK x WORK (smoothed down by the canvas) so that preprocessing stays a few
  // milliseconds even before the JIT warms up; 112 px is still 5.6 pixels per pixel of the 20x20 box.
  const WORK = 112;
  const work = document.createElement('canvas');
  work.width = work.height = WORK;
  const wctx = work.getContext('2d', { willReadFrequently: true });
  /** The pad's 784 inputs (preprocessed), kept as `input`. */
  function compute() {
    wctx.imageSmoothingEnabled = true;
    wctx.imageSmoothingQuality = 'high';
    wctx.drawImage(canvas, 0, 0, WORK, WORK);
    const { data } = wctx.getImageData(0, 0, WORK, WORK);
    const gray = new Float32Array(WORK * WORK);
    for (let i = 0; i < gray.length; i++) gray[i] = data[4 * i] / 255;
    input = preprocess(gray, WORK, WORK);
    return input;
  }

  /** Hands the current input to `onInput` now. */
  function send(final) {
    clearTimeout(pendingTimer);
    pendingTimer = null;
    lastSent = performance.now();
    onInput(compute(), { final });
  }

  /** Hands the input over at most every `throttleMs` while drawing. */
  function maybeSend() {
    const wait = throttleMs - (performance.now() - lastSent);
    if (wait <= 0) send(false);
    else if (!pendingTimer) pendingTimer = setTimeout(() => send(false), wait);
  }

  /** The pointer's position in canvas pixels. */
  function pos(e) {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  }

  /** One stroke segment from a to b. */
  function segment(a, b) {
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = canvas.width / 13;
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
  }

  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 && e.pointerType === 'mouse') return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = true;
    last = pos(e);
    segment(last, last);
    maybeSend();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) {
      const p = pos(ev);
      segment(last, p);
      last = p;
    }
    maybeSend();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    send(true);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('lostpointercapture', end);

  /** Shows 784 values (a test image) on the pad and makes them the input. */
  function setInput(values) {
    const small = document.createElement('canvas');
    small.width = small.height = 28;
    paintPreview(small, values);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
    input = Float32Array.from(values);
    onInput(input, { final: true });
  }

  clear();
  return { clear, setInput, input: () => input };
}
