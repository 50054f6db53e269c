# cmake --install: headers (hand-written and generated), the libraries and
# tools exported as kred::<target>, the plugin, and lib/cmake/kred with
# kredConfig.cmake. pip install . (SKBUILD) installs only the Python package.
if(SKBUILD)
  return()
endif()
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY ${KRED_SOURCE_DIR}/include/kred
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${KRED_BINARY_DIR}/include/kred
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.inc" PATTERN "CMakeFiles" EXCLUDE)
install(DIRECTORY ${KRED_SOURCE_DIR}/dialect/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kred/Dialect/Kred/IR
  FILES_MATCHING PATTERN "*.td")

install(TARGETS ${KRED_LIBRARIES} EXPORT kredTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS KredPlugin LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT kredTargets NAMESPACE kred::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kred)

configure_package_config_file(${KRED_SOURCE_DIR}/cmake/kredConfig.cmake.in
  ${KRED_BINARY_DIR}/cmake/kredConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kred
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${KRED_BINARY_DIR}/cmake/kredConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${KRED_BINARY_DIR}/cmake/kredConfig.cmake
  ${KRED_BINARY_DIR}/cmake/kredConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kred)
