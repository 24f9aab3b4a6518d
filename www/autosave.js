// The worker's autosave: it exports the run's model(s) and writes them to IndexedDB itself
// (www/store.js), so that the page's thread never copies megabytes; the page is told only what
// was saved (the `autosaved` event of www/protocol.js) or that saving failed.

import { messageOf } from './protocol.js';
import { autosaveOpener, writeAutosave } from './store.js';

// After a validation at most this often while training (the first one of a run at its first
// validation), and at every pause or when the page is hidden; never twice the same weights.
export const AUTOSAVE_EVERY_MS = 30000;

/** The autosave of one worker; `emit` sends its events. */
export function createAutosave(emit) {
  const state = { enabled: true, db: autosaveOpener(), savedKey: null, lastAt: -Infinity, chain: Promise.resolve() };

  /** Whether a save after this validation is due (the first of run `generation`, or a while since). */
  function due(generation) {
    return state.savedKey === null || !state.savedKey.startsWith(`${generation}|`)
      || performance.now() - state.lastAt >= AUTOSAVE_EVERY_MS;
  }

  /**
   * Exports every runner's model (synchronous: the weights of this moment) and writes them, with
   * a summary, to IndexedDB (asynchronous; writes are chained, so the last export is the one
   * kept). Nothing happens for a run that has not trained or when the same weights were saved.
   */
  function save(reason, { runners, generation, dataset }) {
    if (!state.enabled || !runners.length || !dataset || runners.every((r) => r.samples === 0)) return;
    const key = `${generation}|${runners.map((r) => `${r.id}:${r.version}`).join(',')}`;
    if (key === state.savedKey) return;
    state.savedKey = key;
    state.lastAt = performance.now();
    const t0 = performance.now();
    const models = {};
    const runs = runners.map((r) => {
      models[r.id] = r.session.export_model();
      return { id: r.id, config: r.config, samples: r.samples, hash: r.session.params_hash(), bytes: models[r.id].length };
    });
    const exportMs = performance.now() - t0;
    const meta = { version: 1, dataset, savedAt: Date.now(), reason, runs };
    state.chain = state.chain.then(async () => {
      const t1 = performance.now();
      try {
        await writeAutosave(await state.db(), meta, models);
        emit('autosaved', { meta, exportMs, writeMs: performance.now() - t1 });
      } catch (e) {
        // Tried again at the next pause or in AUTOSAVE_EVERY_MS (it may be transient); the page
        // says so once.
        state.db.reset();
        if (state.savedKey === key) state.savedKey = `${generation}|failed`;
        emit('autosaveFailed', { message: messageOf(e) });
      }
    });
  }

  return {
    due,
    save,
    /** A new run: its first save comes at its first validation. */
    newRun() { state.lastAt = performance.now(); },
    /** Whether the timer backstop is due while training. */
    overdue() { return performance.now() - state.lastAt >= AUTOSAVE_EVERY_MS; },
    disable() { state.enabled = false; },
    /** The database (for a restore). */
    db: () => state.db(),
  };
}
