# The Debian package of Sluice: install() rules and CPack's DEB generator.
#   make deb                                  # build/release, then cpack -G DEB there
#   cpack -G DEB --config <build>/CPackConfig.cmake
# The package installs the binary, the systemd unit, the default configuration (a conffile), the
# man page and the README; its maintainer scripts (packaging/postinst, prerm, postrm) create the
# system user sluice and /var/backups/sluice.

# Builds of some modules only (the fuzz preset) have no binary to package.
if(NOT TARGET sluice)
  return()
endif()

set(packaging_dir ${PROJECT_SOURCE_DIR}/packaging)

# The man page, compressed as Debian wants it (-n: no name or time stamp, so the same page
# gives the same bytes).
find_program(SLUICE_GZIP gzip REQUIRED)
set(man_page ${PROJECT_BINARY_DIR}/packaging/sluice.1.gz)
add_custom_command(
  OUTPUT ${man_page}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/packaging
  COMMAND ${SLUICE_GZIP} -9 -n -c ${packaging_dir}/sluice.1 > ${man_page}
  DEPENDS ${packaging_dir}/sluice.1
  COMMENT "Compressing the man page sluice.1"
  VERBATIM)
add_custom_target(sluice_man_page ALL DEPENDS ${man_page})

# Relative destinations are under CPACK_PACKAGING_INSTALL_PREFIX (/usr) in the package; /etc
# stays /etc. Debian 12 merges /lib into /usr/lib, and systemd reads units from both.
install(TARGETS sluice RUNTIME DESTINATION bin)
install(FILES ${packaging_dir}/sluice.service DESTINATION lib/systemd/system)
install(FILES ${packaging_dir}/sluice.conf DESTINATION /etc/sluice)
install(FILES ${man_page} DESTINATION share/man/man1)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/sluice)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sluice)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Sluice")
set(SLUICE_PACKAGE_MAINTAINER "Sluice maintainers <maintainers@sluice.invalid>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${SLUICE_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "self-hosted ingestion and search server speaking Coveo's Push API")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# A release binary without its symbols: a fraction of the size.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The summary above is the first line of Description; this is the rest.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Sluice accepts items the way Coveo's Push API does, so connectors and Coveo's
own clients push to it unchanged; large items go through pre-signed S3-style
file containers. A durable pipeline decompresses, extracts (HTML, XML, text,
PDF, Office, OpenDocument, e-mail) and indexes them, and a Search API subset
and a web console show the result. One binary with embedded storage (SQLite,
Xapian, an encrypted blob directory), run by systemd as sluice.service.
The same binary is the client: sluice push, search, logs and more.")
# The maintainer scripts need adduser (or, installing into another root, useradd from
# passwd); libexttextcat's language models are data, which dpkg-shlibdeps cannot see.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, passwd, libexttextcat-data")
find_program(SLUICE_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(SLUICE_DPKG_SHLIBDEPS)
  # The shared libraries the binary links, with their minimum versions, added to Depends.
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  # What the binary links on Debian 12 (install dpkg-dev for the versioned list).
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS
         ", libc6, libstdc++6, libgcc-s1, libboost-json1.81.0, libssl3, zlib1g, liblzma5"
         ", libisal2, libsqlite3-0, libxml2, libxapian30, libpoppler-cpp0v5, libzip4"
         ", libgmime-3.0-0, libglib2.0-0, libmagic1, libexttextcat-2.0-0, libicu72, libcurl4"
         ", libsystemd0, libprometheus-cpp-core1.0")
endif()
# conffiles: dpkg keeps the administrator's edits of sluice.conf across upgrades (CPack does
# not mark files in /etc by itself).
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${packaging_dir}/conffiles
    ${packaging_dir}/postinst ${packaging_dir}/prerm ${packaging_dir}/postrm)
# Maintainer scripts 0755 and other control files 0644, as Debian policy says, and the
# package's directories 0755 whatever the umask of the build.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

include(CPack)
