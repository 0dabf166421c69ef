export { DSP_PARAMETERS, DSP_PARAMETERS_HASH, canonicalJson, hashDspParameters, type DspParameters } from './parameters';
export {
  decodeFeatureFile,
  encodeFeatureFile,
  FEATURE_FILE_EXTENSION,
  FEATURE_FILE_MAGIC,
  FEATURE_FILE_VERSION,
  type DecodeFeatureFileOptions,
  type FeatureAnalysis,
  type FeatureFile,
  type FeatureFileHeader,
  type FeatureFileMeta,
  type FeatureSource,
} from './format';
export { FeatureFileError } from './errors';
