// The digits CNN of harness/ml_build.py (DigitsCNN) in C, for Debian emcc:
// conv 3x3 1->16 (pad 1), ReLU, conv 3x3 16->32 (pad 1), ReLU, max-pool 2, flatten [C,H,W],
// dense 512->64, ReLU, dense 64->10. Input [batch, 1, 8, 8], output logits [batch, 10].
#ifndef DIGITS_CNN_H
#define DIGITS_CNN_H

// The ONNX file's initializers in graph order, float32, back to back (harness/ml_emscripten.py
// writes them): conv1 weight [16,1,3,3] and bias, conv2 [32,16,3,3] and bias, fc1 [64,512] and
// bias, fc2 [10,64] and bias.
#define CNN_WEIGHT_COUNT (16 * 9 + 16 + 32 * 16 * 9 + 32 + 64 * 512 + 64 + 10 * 64 + 10)
#define CNN_INPUT_SIZE 64
#define CNN_OUTPUT_SIZE 10

// Takes the weights (copied): 0, or -1 when `count` is not CNN_WEIGHT_COUNT.
int cnn_load(const float *weights, int count);
// Logits of `batch` images; cnn_load first.
void cnn_infer(const float *input, int batch, float *logits);
// Which kernels this build has: "simd128" or "scalar".
const char *cnn_build(void);

#endif
