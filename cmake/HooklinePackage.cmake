# Installs the SDK and exports it, so that a merchant's project can say find_package(hookline).
include(CMakePackageConfigHelpers)

set(HOOKLINE_EXPORTED_TARGETS hookline_sdk)
foreach(optional_target hookline_sqlite hookline_postgres hookline_httplib)
  if(TARGET ${optional_target})
    list(APPEND HOOKLINE_EXPORTED_TARGETS ${optional_target})
  endif()
endforeach()

install(TARGETS ${HOOKLINE_EXPORTED_TARGETS} EXPORT hooklineTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY sdk/include/hookline DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/sdk/include/hookline/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hookline)
install(EXPORT hooklineTargets NAMESPACE hookline:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hookline)

configure_package_config_file(cmake/hooklineConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/hooklineConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hookline)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/hooklineConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/hooklineConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/hooklineConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hookline)
