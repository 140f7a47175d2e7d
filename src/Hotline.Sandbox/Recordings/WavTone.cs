using System.Buffers.Binary;

namespace Hotline.Sandbox.Recordings;

// A short 8 kHz 16-bit mono sine tone: enough for the console's audio player and for "is it a WAV" checks,
// without storing audio. The real duration lives in the recording's metadata.
public static class WavTone
{
    public static byte[] Generate(double seconds = 0.4, double frequency = 440)
    {
        const int sampleRate = 8000;
        var samples = (int)(sampleRate * seconds);
        var data = samples * 2;
        var wav = new byte[44 + data];
        var span = wav.AsSpan();

        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], 36 + data);
        "WAVE"u8.CopyTo(span[8..]);
        "fmt "u8.CopyTo(span[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], sampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], data);

        for (var i = 0; i < samples; i++)
        {
            var value = (short)(Math.Sin(2 * Math.PI * frequency * i / sampleRate) * short.MaxValue * 0.3);
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + i * 2)..], value);
        }

        return wav;
    }
}
