using GpuPool.Runtime.Models;
using GpuPool.Runtime.Tests.Support;
using GpuPool.Testing;

namespace GpuPool.Runtime.Tests.Memory;

/// <summary>A model read from a stream is spooled to a temporary file, loaded like a file and the file deleted.</summary>
public sealed class SpooledModelFileTests
{
    [Fact]
    public async Task CreateAsync_Stream_WritesItsBytesToAPrivateFileDeletedOnDispose()
    {
        var bytes = TestModels.MatMulChain(64, 2);
        using var stream = new MemoryStream(bytes);

        string path;
        using (var spooled = await SpooledModelFile.CreateAsync(ModelSource.FromStream(stream), CancellationToken.None))
        {
            path = spooled.Path;
            Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task CreateAsync_EmptyStream_Refused()
    {
        using var stream = new MemoryStream();

        var error = await Assert.ThrowsAsync<InvalidPoolRequestException>(() => SpooledModelFile.CreateAsync(ModelSource.FromStream(stream), CancellationToken.None));

        Assert.Equal("The model is empty (0 bytes).", error.Message);
    }

    [Fact]
    public async Task LoadModelAsync_FromNonSeekableStream_LoadsRunsAndSharesWithTheSameBytes()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        var bytes = TestModels.Linear(8, 4);

        await using var fromStream = await lease.LoadModelAsync(ModelSource.FromStream(new ForwardOnlyStream(bytes), "linear"));
        await using var fromBytes = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, "linear"));

        Assert.Equal(fromBytes.ContentHash, fromStream.ContentHash);
        var outputs = await fromStream.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[8], 1, 8) });
        Assert.Equal([1L, 4L], outputs["y"].Shape);
    }

    /// <summary>A stream that can only be read forwards, as a network stream.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
