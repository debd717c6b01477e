; Inno Setup 6 script: a per-user (or all-users) installer for the PyInstaller onedir bundle.
;
; Build the bundle first (on Windows, from the repository root; see packaging/README.md):
;   .venv-bundle\Scripts\python -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\deepseek-local.spec
; then compile this script (paths below are relative to this file):
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\deepseek-local.iss
; The installer is written to dist\DeepSeekLocal-<version>-setup.exe.
;
; Not compiled or run in this repository's CI (there is no Windows machine there).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "DeepSeek Local"
#define AppExe "deepseek-local.exe"

[Setup]
; Keep this id forever: upgrades and the uninstaller find the installed app by it.
AppId={{31B3E431-70F8-482C-9444-9EBF63EC6AB8}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=DeepSeek Local contributors
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for the current user without admin rights; the dialog offers all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=DeepSeekLocal-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\deepseek-local.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; The app may be running during an upgrade: ask to close it.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Simplified Chinese is not among Inno Setup's bundled languages: download the community
; ChineseSimplified.isl (https://jrsoftware.org/files/istrans/) into Inno Setup's Languages folder
; and uncomment this line.
; Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\deepseek-local\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; Conversations, settings, logs (%LOCALAPPDATA%\DeepSeekLocal) and downloaded models are the
; user's data: the uninstaller leaves them, as the app's own "remove model" is the way to free
; that space.
