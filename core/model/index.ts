/** Inference: the ONNX onset classifier, its card, and the checks that tie both to this engine. */
export { parseModelCard, validateModelCard, type ModelCard, type ModelCardTensor } from './card';
export { MAX_ONSET_SHIFT_SECONDS, MODEL_INPUT_SHAPE, MODEL_IO, MODEL_OUTPUT_KEYS } from './contract';
export { ModelError } from './errors';
export {
  DEFAULT_BATCH_SIZE,
  loadOnsetModel,
  type ExecutionProvider,
  type LoadOnsetModelOptions,
  type OnsetModel,
  type OnsetPrediction,
  type PredictOptions,
} from './onset-model';
export { RELEASE_MODEL_IO, RELEASE_WINDOW } from './contract';
export {
  loadReleaseModel,
  parseReleaseModelCard,
  validateReleaseModelCard,
  type ReleaseModel,
  type ReleaseModelCard,
} from './release-model';
