// Emscripten's smallest case: the same file runs with its JS glue and as standalone wasm.
#include <stdio.h>

int main(void) {
  printf("hello from emscripten\n");
  return 0;
}
