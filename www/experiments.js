// The guided experiments: each a short story (a question, what to watch, what it shows) and the
// settings it needs. A button opens its link (every setting from the address, www/settings.js)
// and starts training; the same link, handed out, opens the story and the settings (Play is the
// reader's). Every number quoted here is from README.md: its "Results" (tests/experiments/run.sh:
// the native f64 engine, full MNIST, test accuracy on all 10,000 test images, seeds 0 and 1) or,
// for Newton, the command-line runs "The page" lists; the page trains in f32 with its own
// validation schedule, so its numbers come near, not equal.

import { request } from './client.js';
import { failed } from './buttons.js';
import { $ } from './dom.js';
import { DEFAULTS, defaultOf, toHash } from './settings.js';
import { app } from './state.js';

/** id -> {title, settings (the ones that differ from the defaults), question, watch, shows, panel}. */
export const EXPERIMENTS = {
  'sgd-digits': {
    title: 'SGD learns digits',
    settings: { arch: 'medium', optimizer: 'sgd', stepSize: 0.03 },
    question: 'How far does plain SGD get, one image per step, in one pass over the 60,000 training images?',
    watch: 'The validation accuracy in the chart and in the table. Pause after an epoch (60,000 patterns) to validate on all 10,000 test images.',
    shows: 'In the README\'s runs of this net and step (784-128-64-10, step 0.03), SGD reached 95.98 % test accuracy after one epoch and 97.38 % after three (seed 1: 94.84 % and 97.09 %).',
  },
  'mk-diverges': {
    title: 'MK as printed diverges',
    settings: { arch: 'paper', optimizer: 'mk', stepSize: 0.003 },
    question: 'The paper says MK (Eq. 40) converges faster than SGD within a few epochs. Does it, on the paper\'s own network?',
    watch: 'The cost and the training accuracy. When one pattern\'s cost passes the divergence watch\'s bound (or a step would produce NaN or infinity), the run pauses with the weights from before that step and the box under the chart explains it.',
    shows: 'In the README\'s runs (784-512-256-32-10, step 0.003, the step a scan chose), MK as printed reached 10.08 % test accuracy after one epoch (seed 1: 21.76 %) and 8.92 % after three, with a training cost of 1.593e6 in epoch 3; SGD reached 96.66 % after one epoch and 97.83 % after three. Why, as a hypothesis the README states and the repository does not measure (docs/maths.md section 7): with Eq. 65\'s λ the state penalty λₖxₖ is as large as the back-propagated error, so MK descends a strongly regularised cost whose λ change with every pattern.',
  },
  'damped-collapse': {
    title: 'Damped MK: progress, then collapse',
    settings: { arch: 'medium', race: true, optimizer: 'mk-damped', stepSize: 0.03, mu: 1, sgdStepSize: 0.03 },
    question: 'Damping (Eq. 42, μ = 1) lets MK take larger steps. Does it keep what it learns?',
    watch: 'The two validation curves over three epochs (180,000 patterns): SGD against damped MK, same initial weights, same images in the same order.',
    shows: 'In the README\'s runs (784-128-64-10, both at step 0.03), damped MK reached 65.79 % test accuracy after one epoch and fell to 19.19 % after three (seed 1: 71.95 % to 11.09 %), while SGD went from 95.98 % to 97.38 %.',
  },
  'unreg-is-sgd': {
    title: 'The unregularised variant is SGD with per-layer steps',
    settings: { arch: 'medium', race: true, optimizer: 'mk-unreg', stepSize: 0.03, mu: 1, sgdStepSize: 0.03 },
    question: 'MK rescales each layer\'s gradient by a closed-form factor. What if it rescales the plain cost\'s gradient instead (this project\'s variant, not the paper\'s formula)?',
    watch: 'How closely the two curves follow each other.',
    shows: 'In the README\'s runs (784-128-64-10, both at step 0.03), the variant reached 96.19 % after one epoch and 97.41 % after three (seed 1: 96.17 % and 97.45 %), SGD 95.98 % and 97.38 % (94.84 % and 97.09 %): it trains like SGD with a step size per layer, no second-order advantage.',
  },
  'figure5-exact': {
    title: 'Figure 5 against the exact spectrum',
    settings: { arch: 'paper', optimizer: 'sgd', stepSize: 0.01 },
    panel: 'lab',
    question: 'Figure 5 of the paper draws two families of Hessian eigenvalues (Eq. 62) against λ. Are those the Hessian\'s eigenvalues?',
    watch: 'The Sifrian lab below: the exact eigenvalues of one pattern\'s Hessian beside the two families, as the network trains (hidden layer 2 and test pattern 0 are the README\'s figure).',
    shows: 'In the README\'s Figure 5 (784-512-256-32-10, hidden layer 2, test pattern 0, at initialisation and after one SGD epoch), the exact spectrum lies orders of magnitude above both families: they count the eigenvalues right (810 positive, 800 negative) but do not give their values.',
  },
  'newton-overshoots': {
    title: 'The Newton step overshoots',
    settings: { arch: 'small', optimizer: 'newton', stepSize: 0.001 },
    question: 'Eq. 35 (with its sign corrected) solves each pattern\'s Newton system H v = ∇J_R exactly. Is the exact second-order step, at a constant step size, a good way to train?',
    watch: 'The cost: it does not fall the way SGD\'s does. Then try the step sizes 0.01 and 0.0001 in the form.',
    shows: 'Measured with the command line (README "The page", 2026-12-01: 784-64-10, one epoch, the f32 kernel, all 10,000 test images): at step 0.001, Newton ended at 12.92 % (seed 1: 6.55 %) and a cost of 2157.6; at step 0.01 at 8.29 % and a cost of 1.74e10; at step 0.0001 at 32.39 %; SGD at step 0.01 reached 95.62 %. A step of size 1 already puts the linearised output on the target, and the step grows like λₖ₋₁‖xₖ₋₁‖/‖gₖ‖ and 1/F′(aₙ): where F′ is the leak slope 0.01, a constant step overshoots.',
  },
};

/** The settings of experiment `id`: the defaults, its own, and its method's default step size if it names none. */
export function experimentSettings(id) {
  const own = EXPERIMENTS[id].settings;
  const s = { ...DEFAULTS, ...own };
  if (!('stepSize' in own)) s.stepSize = defaultOf('stepSize', s);
  return s;
}

/** The link of experiment `id`: every setting it needs, and its story (`exp=`). */
export const experimentLink = (id) => toHash(experimentSettings(id), { hide: new Set(), exp: id });

const ui = { list: $('experiments-list'), story: $('experiment-story') };

/** The buttons and links of the experiments; `open(hash)` opens an address (www/form.js openLink). */
export function buildExperiments(open) {
  ui.list.replaceChildren(...Object.entries(EXPERIMENTS).map(([id, e]) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = e.title;
    button.dataset.exp = id;
    button.addEventListener('click', () => { open(experimentLink(id)); runWhenConfigured(id); });
    const link = document.createElement('a');
    link.href = experimentLink(id);
    link.className = 'exp-link';
    link.textContent = 'link';
    link.setAttribute('aria-label', `Link to the experiment “${e.title}” (opens it without starting)`);
    li.append(button, ' ', link);
    return li;
  }));
}

/** The story of experiment `id` next to the buttons (null or an unknown id: none). */
export function showStory(id) {
  const e = id && Object.hasOwn(EXPERIMENTS, id) ? EXPERIMENTS[id] : null;
  ui.story.hidden = !e;
  for (const b of ui.list.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.exp === id));
  if (!e) { ui.story.replaceChildren(); return; }
  const part = (label, text) => {
    const p = document.createElement('p');
    const b = document.createElement('strong');
    b.textContent = `${label} `;
    p.append(b, text);
    return p;
  };
  const h = document.createElement('h3');
  h.textContent = e.title;
  ui.story.replaceChildren(h, part('Question:', e.question), part('Watch:', e.watch), part('What it shows:', e.shows));
}

let waiting = 0; // the timer of the experiment waiting for its run
/** Starts training once the run of experiment `id` is configured (the data set may load first). */
function runWhenConfigured(id) {
  clearInterval(waiting);
  const t0 = performance.now();
  waiting = setInterval(() => {
    if (app.view.exp !== id || performance.now() - t0 > 120000) { clearInterval(waiting); return; }
    if (!app.configured || app.dataLoading || app.invalid.size > 0) return;
    clearInterval(waiting);
    const panel = EXPERIMENTS[id].panel;
    if (panel) $(panel).scrollIntoView({ behavior: 'smooth', block: 'start' });
    if (!app.running) request('play').catch(failed('play'));
  }, 100);
}
