// The class names and the item word of the loaded data set, from the engine's catalog
// (src/catalog.rs `DATASETS`, through www/settings.js): "4" on MNIST, "Coat" on Fashion-MNIST.

import { DATASET_INFO } from './settings.js';
import { app } from './state.js';

/** The catalog entry of the settings' data set (the one loaded or on its way). */
const info = () => DATASET_INFO.find((d) => d.name === app.settings.dataset) || DATASET_INFO[0];

/** Class i's name. */
export const className = (i) => info().classes[i];

/** One image of the data set, for sentences: "a digit", "a piece of clothing". */
export const itemWord = () => info().item;
