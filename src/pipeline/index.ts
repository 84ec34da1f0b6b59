/**
 * Public API of the `pipeline` layer: whole jobs built from the layers below (convert a model, simulate it).
 */
export * from './convert-model.js';
export * from './simulate-model.js';
export * from './snn-file-defaults.js';
export * from './converted-snn-file.js';
