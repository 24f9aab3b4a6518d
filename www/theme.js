// The charts' theme: "dark" while the system asks for `prefers-color-scheme: dark`, else "light".
// The page passes the name to the engine's drawing calls (draw_curves, draw_figure5) and takes the
// colours of its own canvases (the spectrum strip, the first layer's images) from the engine's
// `chart_colors` (src/plot/theme.rs), so that each colour is written once. A change of the system
// setting calls every `onThemeChange` listener, which redraws.

import { chart_colors } from './pkg/sifrian.js';

const query = matchMedia('(prefers-color-scheme: dark)');
const colors = {}; // theme name -> the engine's colours

/** "dark" or "light", as the system setting is now. */
export const chartTheme = () => (query.matches ? 'dark' : 'light');

/** The engine's colours for the current theme: {background, ink, muted, grid, zero, earlier, series}. */
export function themeColors() {
  const name = chartTheme();
  return (colors[name] ||= chart_colors(name));
}

/** Calls `fn` after each change of the system's colour scheme. */
export function onThemeChange(fn) {
  query.addEventListener('change', () => fn(chartTheme()));
}
