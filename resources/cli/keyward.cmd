@echo off
rem `keyward` for an installed Keyward app (Windows), the way VS Code ships `code.cmd`: runs
rem Keyward.exe as Node (ELECTRON_RUN_AS_NODE=1) on the CLI bundled with the app, with the
rem app's Electron build of better-sqlite3. Installed as <install folder>\resources\bin\keyward.cmd.
setlocal
set "ELECTRON_RUN_AS_NODE=1"
set "KEYWARD_SQLITE_BINDING=%~dp0..\native\better_sqlite3.node"
"%~dp0..\..\Keyward.exe" "%~dp0..\app.asar.unpacked\bin\keyward.cjs" %*
exit /b %ERRORLEVEL%
