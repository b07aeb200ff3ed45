# Every dependency comes from the distribution (Debian packages); nothing is downloaded.
find_package(GTest 1.12 REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
find_package(LibXml2 REQUIRED)
find_package(PkgConfig REQUIRED)
# Debian ships cpp-httplib as a compiled library with a pkg-config file, no CMake config.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# ldns (the DNS client and the sandbox's DNS server) ships a pkg-config file, no CMake config.
pkg_check_modules(LDNS REQUIRED IMPORTED_TARGET ldns)
# zlib: the SPDY/3.1 header compression of the emulated port-forward.
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
