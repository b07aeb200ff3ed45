// The `az` stand-in: to be written (see issue 3).
#include <cstdio>

int main() {
  std::fputs("ERROR: the az stand-in is not written yet\n", stderr);
  return 2;
}
