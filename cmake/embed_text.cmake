# Turns a text file into a C source defining one NUL-terminated char array,
# for assets the client writes into its reports (report.html's script and
# style). Usage: cmake -DINPUT=f -DOUTPUT=f.c -DNAME=symbol -P embed_text.cmake
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n"
       bytes "${bytes}")
file(WRITE "${OUTPUT}" "/* Generated from ${INPUT} by cmake/embed_text.cmake. */\n"
     "const char ${NAME}[] = {\n${bytes}0x00};\n")
